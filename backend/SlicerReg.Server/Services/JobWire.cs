using Grpc.Core;
using SlicerReg.Engine.Refinement;
using SlicerReg.Protocol.V1;
using SlicerReg.Server.Jobs;
using JobState = SlicerReg.Server.Jobs.JobState;
using WireJobState = SlicerReg.Protocol.V1.JobState;

namespace SlicerReg.Server.Services;

/// <summary>
/// The gRPC edge of the job queue: a job's <see cref="JobUpdate"/>s as the protocol's JobEvents, its states as the
/// protocol's JobState, and the queue's refusals as status codes (UNAVAILABLE, RESOURCE_EXHAUSTED, NOT_FOUND).
/// </summary>
static class JobWire
{
    public static WireJobState State(JobState state) => state switch
    {
        JobState.Queued => WireJobState.Queued,
        JobState.Running => WireJobState.Running,
        JobState.Succeeded => WireJobState.Succeeded,
        JobState.Failed => WireJobState.Failed,
        JobState.Cancelled => WireJobState.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static JobEvent Event(JobUpdate update)
    {
        var e = new JobEvent { State = State(update.State) };
        if (update.Progress is { } p) e.Progress = new Progress { Stage = p.Stage, Fraction = p.Fraction, Message = p.Message };
        if (update.Failure is { } f) e.Error = new JobError { Code = (int)Code(f.Kind), Message = f.Message };
        if (update.Outcome is { } o) e.Result = Summary(o);
        return e;
    }

    static StatusCode Code(JobFailureKind kind) => kind switch
    {
        JobFailureKind.Cancelled => StatusCode.Cancelled,
        JobFailureKind.Refused => StatusCode.FailedPrecondition,
        _ => StatusCode.Internal,
    };

    /// <summary>
    /// The result's summary. The affine travels as it is, patient → atlas (affine_patient_to_atlas, revision 4); `affine`
    /// keeps its revision-1 meaning, atlas → patient (a Slicer "to parent" matrix), for the Slicer bridge and older clients,
    /// and is the one place the affine is inverted.
    /// </summary>
    static ResultSummary Summary(JobOutcome o)
    {
        var summary = new ResultSummary { Model = o.Model, Message = o.Message, Seconds = o.Seconds, AffineCoordinateSystem = CoordinateSystem.Ras };
        summary.AffinePatientToAtlas.Add(o.AffinePatientToAtlas.ToRowMajor());
        summary.Affine.Add(o.AffinePatientToAtlas.Inverse().ToRowMajor());
        foreach (var (name, header) in o.Results) summary.Results.Add(new ResultInfo { Name = name, Header = header });
        if (o.Report is { } report)
        {
            summary.PlacementJson = report.PlacementJson;
            if (report.Refinement is { } r)
            {
                var (json, corrected) = RefinedRegistration.ReportJson(report.RefineGrid, report.RefineOptions, r, report.LateralView);
                summary.Refinement = new RefinementReport
                {
                    RefineGrid = report.RefineGrid, NccBefore = r.InitialNcc, NccAfter = r.FinalNcc, PoseSteps = r.PoseSteps, DeformationSteps = r.DeformationSteps,
                    Seconds = r.Seconds, Json = json, CorrectedLateralViewJson = corrected ?? "",
                    LateralPoseRotationDeg = r.Poses.Count == 2 ? r.Poses[1].AngleDeg : 0,
                };
                if (r.Poses.Count == 2) summary.Refinement.LateralPoseCorrection.Add(r.Poses[1].Matrix.ToRowMajor());
            }
        }
        return summary;
    }

    public static RpcException Rpc(JobQueueRefusal refusal) => new(new Status(refusal.Reason switch
    {
        JobQueueRefusalReason.ShuttingDown => StatusCode.Unavailable,
        JobQueueRefusalReason.QueueFull => StatusCode.ResourceExhausted,
        _ => StatusCode.NotFound,
    }, refusal.Message));
}
