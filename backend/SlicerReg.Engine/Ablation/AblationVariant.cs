using SlicerReg.Engine.Network;

namespace SlicerReg.Engine.Ablation;

/// <summary>
/// One network of the paper's "Ablation study" (Table 2): the full network or the full network with one component left
/// out, as the <see cref="NetworkConfig"/> switches that leave it out. <see cref="PaperFinding"/> is what the paper reports
/// for it; the paper's Table 2 numbers themselves are not in the paper text the project holds, so only the full network
/// has numbers (<see cref="PaperDice"/>, <see cref="PaperAssdMm"/>: its test-set results, paper abstract and "Conclusion").
/// </summary>
public sealed record AblationVariant(string Name, string Title, string PaperFinding,
                                     bool IntermediateConcatenation = true, bool SkipConnections = true,
                                     bool SeparateDecoders = true, bool InverseProjection = true,
                                     double? PaperDice = null, double? PaperAssdMm = null)
{
    public const string Full = "full";

    /// <summary>The full network and the paper's four ablations, in the paper's order.</summary>
    public static readonly IReadOnlyList<AblationVariant> All = new[]
    {
        new AblationVariant(Full, "full network", "Dice 0.94, ASSD 0.84 mm on the orthogonal test set", PaperDice: 0.94, PaperAssdMm: 0.84),
        new AblationVariant("no-intermediate-concatenation", "no intermediate concatenation (affine module)",
            "affine initialisation significantly worse; local registration unaffected", IntermediateConcatenation: false),
        new AblationVariant("no-skip-connections", "no skip connections (local module)",
            "registration accuracy significantly reduced (p = 10⁻³); training took 700 instead of 300 epochs", SkipConnections: false),
        new AblationVariant("shared-decoder", "one shared 3D decoder (local module)",
            "highly significant reduction of the affine and the local accuracy", SeparateDecoders: false),
        new AblationVariant("no-invprost", "no invProST (decoded beam features concatenated directly)",
            "registration accuracy significantly reduced (p < 10⁻¹⁶)", InverseProjection: false),
    };

    public static AblationVariant Named(string name)
        => All.FirstOrDefault(v => v.Name == name)
           ?? throw new ArgumentException($"unknown ablation variant '{name}' (expected {string.Join(", ", All.Select(v => v.Name))})");

    /// <summary><paramref name="baseConfig"/> with this variant's switches.</summary>
    public NetworkConfig Configure(NetworkConfig baseConfig) => baseConfig with
    {
        IntermediateConcatenation = IntermediateConcatenation, SkipConnections = SkipConnections,
        SeparateDecoders = SeparateDecoders, InverseProjection = InverseProjection,
    };

    /// <summary>Whether <paramref name="config"/> carries exactly this variant's switches.</summary>
    public bool Matches(NetworkConfig config)
        => config.IntermediateConcatenation == IntermediateConcatenation && config.SkipConnections == SkipConnections
           && config.SeparateDecoders == SeparateDecoders && config.InverseProjection == InverseProjection;
}
