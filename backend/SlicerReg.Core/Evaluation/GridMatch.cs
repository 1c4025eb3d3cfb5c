using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Evaluation;

/// <summary>
/// Metrics compare volumes voxel by voxel, so both must lie on the same grid (size, spacing, origin, direction).
/// Resampling is the caller's job: a metric never resamples silently.
/// </summary>
public static class GridMatch
{
    public static void Require(Volume reference, string referenceName, Volume test, string testName)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(test);
        if (!reference.Geometry.ApproximatelyEquals(test.Geometry))
            throw new ArgumentException(
                $"{referenceName} and {testName} are not on the same voxel grid; resample one onto the other first. " +
                $"{referenceName}: {reference.Geometry}; {testName}: {test.Geometry}");
    }

    /// <summary>
    /// Distances measured in the grid's own index frame scaled by spacing equal RAS distances only when the direction
    /// axes are orthonormal (then IJK→RAS is a rotation times diag(spacing)). ImageGeometry accepts sheared grids, so check.
    /// </summary>
    public static void RequireOrthogonalAxes(ImageGeometry g, string name)
    {
        for (int a = 0; a < 3; a++)
            for (int b = a + 1; b < 3; b++)
            {
                double dot = g.Direction.Column(a).Dot(g.Direction.Column(b));
                if (Math.Abs(dot) > 1e-4)
                    throw new ArgumentException($"{name} has sheared (non-orthogonal) index axes {a} and {b} (cosine {dot:G4}); surface distances need an orthogonal grid: {g}");
            }
    }
}
