using System.Globalization;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Xray;

/// <summary>
/// Our view expressed as `plastimatch drr` options, and its PFM output read back — for cross-checking and benchmarking
/// against an independent renderer (Debian plastimatch 1.9.4). Observed conventions (docs/reference-notes.md, checked
/// with a one-voxel bead): plastimatch works in LPS and ignores the volume's direction cosines; source = isocentre + sad·nrm;
/// the detector is perpendicular to nrm at sid from the source; row 0 lies on the --vup side and columns run along
/// vup × nrm; -r, -z and -c take "columns rows"; -c is the principal point in pixels; the PFM is written top row first.
/// Its output is Σ value × length in cm (10× smaller than ours in mm), which a correlation does not see.
/// </summary>
public static class PlastimatchDrr
{
    static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
    static string V(Vec3 v) => $"{F(v.X)} {F(v.Y)} {F(v.Z)}";

    /// <summary>
    /// Options rendering <paramref name="view"/> of a volume with geometry <paramref name="ct"/> (which must have the
    /// identity direction in LPS, as plastimatch ignores directions). The isocentre is put on the central ray at the
    /// volume's centre depth. Throws for a mirrored view (columns along nrm × vup), which plastimatch cannot produce.
    /// </summary>
    public static List<string> Arguments(CalibratedView view, ImageGeometry ct, DrrMode mode, string input, string outputPrefix)
    {
        if (!ct.DirectionIn(CoordinateSystem.LPS).ApproximatelyEquals(Mat3.Identity, 1e-9))
            throw new ArgumentException($"plastimatch drr ignores direction cosines: give it a volume with identity direction in LPS, not {ct.DirectionIn(CoordinateSystem.LPS)}");
        var n = view.Normal;
        var vup = -view.RowDirection;
        if (vup.Cross(n).Dot(view.ColumnDirection) < 0.999999)
            throw new ArgumentException("view is mirrored (columns along normal × up): plastimatch cannot render it");
        double sdd = view.SourceToDetectorDistance;
        var centre = ct.IndexToRas(new Vec3((ct.Size.I - 1) / 2.0, (ct.Size.J - 1) / 2.0, (ct.Size.K - 1) / 2.0));
        double sad = (view.Source - centre).Dot(n);
        var iso = view.Source - sad * n;
        var principal = view.Source - sdd * n;
        double c0 = (principal - view.DetectorCenter).Dot(view.ColumnDirection) / view.ColumnSpacingMm + (view.Columns - 1) / 2.0;
        double r0 = (principal - view.DetectorCenter).Dot(view.RowDirection) / view.RowSpacingMm + (view.Rows - 1) / 2.0;
        return new List<string>
        {
            "drr", "-t", "pfm", "-P", "none", "-i", mode == DrrMode.Exact ? "exact" : "uniform",
            "--sad", F(sad), "--sid", F(sdd),
            "-n", V(PatientCoordinates.RasToLps(n)), "--vup", V(PatientCoordinates.RasToLps(vup)),
            "-o", V(PatientCoordinates.RasToLps(iso)),
            "-r", $"{view.Columns} {view.Rows}",
            "-z", $"{F(view.Columns * view.ColumnSpacingMm)} {F(view.Rows * view.RowSpacingMm)}",
            "-c", $"{F(c0)} {F(r0)}",
            "-O", outputPrefix, input,
        };
    }

    /// <summary>The file `plastimatch drr -O PREFIX` writes for the first angle.</summary>
    public static string OutputFile(string outputPrefix) => outputPrefix + "0000.pfm";

    /// <summary>Reads a grey PFM ("Pf") as plastimatch writes it: top row first.</summary>
    public static float[] ReadPfm(string path, out int columns, out int rows)
    {
        var bytes = File.ReadAllBytes(path);
        int pos = 0;
        string Token()
        {
            while (pos < bytes.Length && char.IsWhiteSpace((char)bytes[pos])) pos++;
            int start = pos;
            while (pos < bytes.Length && !char.IsWhiteSpace((char)bytes[pos])) pos++;
            return System.Text.Encoding.ASCII.GetString(bytes, start, pos - start);
        }
        if (Token() != "Pf") throw new ImageFormatException(path, "not a grey-level PFM (expected magic 'Pf')");
        if (!int.TryParse(Token(), out columns) || !int.TryParse(Token(), out rows) || columns < 1 || rows < 1)
            throw new ImageFormatException(path, "bad PFM size");
        if (!double.TryParse(Token(), NumberStyles.Float, CultureInfo.InvariantCulture, out double scale) || scale == 0)
            throw new ImageFormatException(path, "bad PFM scale");
        pos++; // the single whitespace after the scale
        long n = (long)columns * rows;
        if (bytes.Length - pos < n * 4) throw new ImageFormatException(path, $"PFM data truncated: {bytes.Length - pos} bytes for {columns}×{rows} floats");
        var px = new float[n];
        Buffer.BlockCopy(bytes, pos, px, 0, (int)(n * 4));
        if (scale > 0 == BitConverter.IsLittleEndian) // positive scale = big endian
            for (long i = 0; i < n; i++) { var b = BitConverter.GetBytes(px[i]); Array.Reverse(b); px[i] = BitConverter.ToSingle(b); }
        return px;
    }
}
