namespace SlicerReg.Core.Geometry;

/// <summary>
/// A 3D point from its pixel in two calibrated views: each pixel back-projects to the ray from the view's source through
/// the pixel centre (<see cref="CalibratedView.PixelCenter"/>, fractional indices allowed); the point is the midpoint of
/// the shortest segment between the two rays, and that segment's length (the ray distance) says how well the two clicks
/// agree — 0 for exact clicks and calibrations, a few mm for clicks a few pixels off or a calibration error.
/// </summary>
public static class RayTriangulation
{
    public sealed record Result(Vec3 Point, double RayDistanceMm);

    public static Result Triangulate(CalibratedView a, (double Column, double Row) pixelA, CalibratedView b, (double Column, double Row) pixelB)
    {
        var (pa, da) = Ray(a, pixelA);
        var (pb, db) = Ray(b, pixelB);
        // Closest points pa + s·da and pb + t·db: the segment between them is perpendicular to both directions.
        var w = pa - pb;
        double ab = da.Dot(db), aw = da.Dot(w), bw = db.Dot(w), denom = 1 - ab * ab;
        if (denom < 1e-8) throw new ArgumentException("the two rays are parallel: the views look along the same direction, so a point cannot be triangulated");
        double s = (ab * bw - aw) / denom, t = (bw - ab * aw) / denom;
        Vec3 qa = pa + s * da, qb = pb + t * db;
        return new Result((qa + qb) / 2, (qa - qb).Norm);
    }

    /// <summary>The ray through a pixel: the source and the unit direction toward the pixel centre.</summary>
    public static (Vec3 Origin, Vec3 Direction) Ray(CalibratedView view, (double Column, double Row) pixel)
        => (view.Source, (view.PixelCenter(pixel.Column, pixel.Row) - view.Source).Normalized());
}
