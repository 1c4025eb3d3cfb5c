using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Refinement;

namespace SlicerReg.Engine.Pipeline;

/// <summary>
/// What a pipeline run reports beside its volumes: placement.json's text, and the refinement (with what refinement.json
/// needs) when one ran. The daemon sends both in the job's result (ResultSummary.placement_json, .refinement).
/// </summary>
public sealed record RegistrationReport(string PlacementJson, RefinementResult? Refinement, string RefineGrid, RefinementOptions RefineOptions, CalibratedView LateralView);
