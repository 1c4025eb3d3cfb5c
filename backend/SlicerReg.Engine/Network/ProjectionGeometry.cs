using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Projection;
using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Network;

/// <summary>
/// The parameter-free geometry layers of one view pair on one atlas grid: per view a ProST (paper Eq. 1–2) with its depth
/// range fitted to the grid, and the invProST (Eq. 3) of the same beam that maps decoded beam features back to the grid.
/// The projection geometry T_geom is an input of the network (paper, "Projective spatial transform layer"); it is held
/// here, outside the modules' parameters, so <see cref="RegistrationNetwork.Views"/> can change it without touching the
/// weights. All members of a batch share the view pair.
/// </summary>
public sealed class ProjectionGeometry : IDisposable
{
    public ImageGeometry Grid { get; }
    public ViewPair Views { get; }
    public ProjectiveSpatialTransformer[] Projectors { get; }
    public InverseProjectiveSpatialTransformer[] Inverses { get; }

    public ProjectionGeometry(ImageGeometry grid, ViewPair views, int samplesPerRay, int rows, int columns)
    {
        Grid = grid ?? throw new ArgumentNullException(nameof(grid));
        Views = views ?? throw new ArgumentNullException(nameof(views));
        for (int v = 0; v < 2; v++)
            if (views[v].Rows != rows || views[v].Columns != columns)
                throw new ArgumentException($"the {ViewPair.Names[v]} view's detector is {views[v].Rows} rows × {views[v].Columns} columns but the network takes {rows} × {columns} radiographs");
        if (Math.Abs(views.Ap.Normal.Dot(views.Lateral.Normal)) > 0.999)
            throw new ArgumentException("the AP and lateral views look along the same direction; biplanar registration needs two different directions");
        Projectors = new ProjectiveSpatialTransformer[2];
        Inverses = new InverseProjectiveSpatialTransformer[2];
        for (int v = 0; v < 2; v++)
        {
            Projectors[v] = new ProjectiveSpatialTransformer(views[v], grid, samplesPerRay);
            Inverses[v] = new InverseProjectiveSpatialTransformer(Projectors[v].Beam, grid);
        }
    }

    /// <summary>
    /// The network's 2-channel input image of view <paramref name="view"/>: the ProST projection (B, 1, rows, columns) of
    /// <paramref name="volume"/> (B, 1, K, J, I) and the radiograph (B, 1, rows, columns), each min–max normalised per image
    /// (line integrals and radiograph intensities have unrelated scales; ProST's reference code normalises the same way).
    /// </summary>
    public Tensor ProjectionPair(int view, Tensor volume, Tensor radiograph)
    {
        ArgumentNullException.ThrowIfNull(radiograph);
        var detector = Views[view];
        if (radiograph.dim() != 4 || radiograph.shape[1] != 1 || radiograph.shape[2] != detector.Rows || radiograph.shape[3] != detector.Columns)
            throw new ArgumentException($"the {ViewPair.Names[view]} radiograph must be (B, 1, {detector.Rows}, {detector.Columns}), got ({string.Join(", ", radiograph.shape)})");
        if (radiograph.dtype != volume.dtype) throw new ArgumentException($"the {ViewPair.Names[view]} radiograph is {radiograph.dtype} but the atlas is {volume.dtype}");
        using var scope = NewDisposeScope();
        var projection = Projectors[view].forward(volume);
        long b = Math.Max(projection.shape[0], radiograph.shape[0]);
        if (projection.shape[0] != b && projection.shape[0] != 1 || radiograph.shape[0] != b && radiograph.shape[0] != 1)
            throw new ArgumentException($"batch mismatch: atlas batch {volume.shape[0]}, {ViewPair.Names[view]} radiograph batch {radiograph.shape[0]}");
        var pair = cat(new[] { MinMax(projection).expand(b, -1, -1, -1), MinMax(radiograph).expand(b, -1, -1, -1) }, 1);
        return pair.MoveToOuterDisposeScope();
    }

    /// <summary>(x − min) / (max − min + 10⁻⁶) per batch member and channel of (B, C, H, W).</summary>
    public static Tensor MinMax(Tensor image)
    {
        using var scope = NewDisposeScope();
        var flat = image.flatten(2);
        var lo = flat.amin(new long[] { 2 }, keepdim: true).unsqueeze(3);
        var hi = flat.amax(new long[] { 2 }, keepdim: true).unsqueeze(3);
        return ((image - lo) / (hi - lo + 1e-6)).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var p in Projectors) p?.Dispose();
        foreach (var i in Inverses) i?.Dispose();
    }
}
