using Grpc.Core;
using SlicerReg.Client.Protocol;
using SlicerReg.Protocol.V1;
using SlicerReg.Server.Domain;

namespace SlicerReg.Server.Services;

/// <summary>The Models gRPC service: lists the engines this daemon runs and the model cards it only lists.</summary>
public sealed class ModelsService(ModelCatalog catalog, DaemonOptions options) : Models.ModelsBase
{
    public override Task<ListModelsReply> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var reply = new ListModelsReply { DaemonVersion = ProtocolRevision.ReleaseVersion, ProtocolVersion = ProtocolRevision.Current };
        foreach (var engine in catalog.Engines.Values)
        {
            var card = Card(engine.Card);
            card.Available = engine.UnavailableReason is null;
            card.IsDefault = engine.Card.Name == catalog.DefaultModel;
            card.UnavailableReason = engine.UnavailableReason ?? "";
            if (engine.Atlas is { } atlas)
            {
                card.AtlasName = engine.AtlasName ?? "";
                card.Atlas = WireConvert.Header(atlas);
            }
            reply.Models.Add(card);
        }
        foreach (var (c, reason) in catalog.Unavailable)
        {
            var card = Card(c);
            card.UnavailableReason = reason;
            reply.Models.Add(card);
        }
        return Task.FromResult(reply);
    }

    ModelCard Card(EngineCard c)
    {
        var card = new ModelCard { Name = c.Name, Summary = c.Summary, Description = c.Description, Device = options.Device };
        card.Options.Add(c.Options); card.Results.Add(c.Results);
        return card;
    }
}
