using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.NiftiTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>
/// Our NIfTI files against independent implementations: nibabel (Debian python3-nibabel) and plastimatch (ITK inside).
/// Geometry must agree within 1e-4 mm (the header stores float32), voxels byte for byte.
/// </summary>
[TestFixture]
public class NiftiCrossCheckTests
{
    const double TolMm = 1e-4;
    static readonly NiftiFormat Nifti = new();

    // ---- (a) we write, nibabel reads ----

    [Test]
    public void OursReadByNibabel(
        [ValueSource(typeof(VoxelTypes), nameof(VoxelTypes.All))] VoxelType type,
        [Values(".nii", ".nii.gz")] string ext,
        [ValueSource(typeof(NiftiTestSupport), nameof(GeometryNames))] string geometry)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(type, TestGeometry(geometry));
        string path = tmp.File("ours" + ext);
        Nifti.Write(v, path);
        if (ext == ".nii.gz") Assert.That(File.ReadAllBytes(path)[..2], Is.EqualTo(new byte[] { 0x1f, 0x8b }), "a .nii.gz file is gzip");

        var d = Dump(path, tmp);
        Assert.That(d.Shape, Is.EqualTo(new[] { 7, 5, 4 }));
        Assert.That(d.Dtype, Is.EqualTo(NumpyDtype(type)));
        Assert.That(d.Datatype, Is.EqualTo(NiftiDatatype(type)));
        Assert.That(d.Raw, Is.EqualTo(v.Bytes.ToArray()), "voxel bytes");
        Assert.That(d.VoxOffset, Is.EqualTo(352));
        Assert.That(d.XyztUnits & 7, Is.EqualTo(2), "spatial units mm");
        Assert.That(d.IntentCode, Is.EqualTo(0));
        Assert.That(d.SformCode, Is.EqualTo(1));
        AssertAffine(v.Geometry.IjkToRas, d.Affine, TolMm, "nibabel affine");
        AssertAffine(v.Geometry.IjkToRas, d.Sform!, TolMm, "sform");
        if (geometry == "sheared")
            Assert.That(d.QformCode, Is.EqualTo(0), "a sheared grid has no quaternion");
        else
        {
            Assert.That(d.QformCode, Is.EqualTo(1));
            AssertAffine(v.Geometry.IjkToRas, d.Qform!, TolMm, "qform");
            Assert.That(d.Pixdim[0], Is.EqualTo(geometry == "flipped" ? -1 : 1), "qfac");
        }
    }

    [Test]
    public void OursLabelMapReadByNibabel([Values(".nii", ".nii.gz")] string ext)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.Int16, TestGeometry("oblique"));
        for (long n = 0; n < v.ElementCount; n++) v.SetElement(n, Math.Abs(v.GetElement(n)) % 7);
        v.Kind = VolumeKind.LabelMap;
        string path = tmp.File("labels" + ext);
        Nifti.Write(v, path);
        var d = Dump(path, tmp);
        Assert.That(d.IntentCode, Is.EqualTo(1002), "NIFTI_INTENT_LABEL");
        Assert.That(d.Raw, Is.EqualTo(v.Bytes.ToArray()));
        AssertAffine(v.Geometry.IjkToRas, d.Affine, TolMm, "affine");
    }

    /// <summary>A displacement field leaves as ITK writes one: 5-D (I, J, K, 1, 3), intent VECTOR, components in LPS.</summary>
    [Test]
    public void OursDisplacementFieldReadByNibabel(
        [Values(VoxelType.Float32, VoxelType.Float64)] VoxelType type,
        [Values(".nii", ".nii.gz")] string ext)
    {
        using var tmp = new TempFolder();
        var u = RandomVolume(type, TestGeometry("flipped"), 3, VolumeKind.DisplacementField);
        string path = tmp.File("field" + ext);
        Nifti.Write(u, path);
        var d = Dump(path, tmp);
        Assert.That(d.Shape, Is.EqualTo(new[] { 7, 5, 4, 1, 3 }));
        Assert.That(d.IntentCode, Is.EqualTo(1007), "NIFTI_INTENT_VECTOR, as ITK's NiftiImageIO writes vector images");
        AssertAffine(u.Geometry.IjkToRas, d.Affine, TolMm, "affine");
        var lps = u.Clone();
        for (long n = 0; n < lps.ElementCount; n++) if (n % 3 != 2) lps.SetElement(n, -lps.GetElement(n));
        Assert.That(d.Raw, Is.EqualTo(lps.Bytes.ToArray()), "components in LPS: (−x, −y, z) of the RAS vectors");
        Assert.That(u.GetElement(0), Is.Not.EqualTo(0), "test data must not be zero");
    }

    // ---- (a') we write, plastimatch (ITK's NIfTI reader and writer) converts, nibabel reads ----

    [Test]
    public void OursThroughPlastimatchReadByNibabel(
        [ValueSource(typeof(VoxelTypes), nameof(VoxelTypes.All))] VoxelType type,
        [Values(".nii", ".nii.gz")] string ext,
        [Values("oblique", "flipped")] string geometry)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(type, TestGeometry(geometry));
        string ours = tmp.File("ours" + ext), theirs = tmp.File("plastimatch.nii");
        Nifti.Write(v, ours);
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", ours, "--output-img", theirs);
        var d = Dump(theirs, tmp);
        Assert.That(d.Shape, Is.EqualTo(new[] { 7, 5, 4 }));
        Assert.That(d.Dtype, Is.EqualTo(NumpyDtype(type)), "plastimatch keeps the voxel type");
        Assert.That(d.Raw, Is.EqualTo(v.Bytes.ToArray()), "voxel bytes");
        AssertAffine(v.Geometry.IjkToRas, d.Affine, TolMm, "affine after ITK");
    }

    [Test]
    public void OursLabelMapThroughPlastimatch()
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.UInt8, TestGeometry("flipped"));
        for (long n = 0; n < v.ElementCount; n++) v.SetElement(n, v.GetElement(n) % 5);
        v.Kind = VolumeKind.LabelMap;
        string ours = tmp.File("labels.nii.gz"), theirs = tmp.File("plastimatch.nii");
        Nifti.Write(v, ours);
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", ours, "--output-img", theirs);
        var d = Dump(theirs, tmp);
        Assert.That(d.Raw, Is.EqualTo(v.Bytes.ToArray()));
        AssertAffine(v.Geometry.IjkToRas, d.Affine, TolMm, "affine after ITK");
    }

    // ---- (b) nibabel writes, we read ----

    [Test]
    public void NibabelReadByOurs(
        [ValueSource(typeof(VoxelTypes), nameof(VoxelTypes.All))] VoxelType type,
        [Values(".nii", ".nii.gz")] string ext,
        [Values("both", "sform", "qform")] string forms,
        [Values("oblique", "flipped")] string geometry)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(type, TestGeometry(geometry), seed: 7);
        string path = tmp.File("nibabel" + ext);
        Make(path, v.Bytes.ToArray(), Spec(v, forms), tmp);

        var r = Nifti.Read(path);
        Assert.That(r.VoxelType, Is.EqualTo(type));
        Assert.That(r.Components, Is.EqualTo(1));
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.Scalar));
        Assert.That(r.Size, Is.EqualTo(v.Size));
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(v.Bytes.ToArray()), "voxels");
        AssertAffine(v.Geometry.IjkToRas, r.Geometry.IjkToRas, TolMm, $"geometry from {forms}");
        AssertAffine(Dump(path, tmp).Affine, r.Geometry.IjkToRas, TolMm, "same affine as nibabel's img.affine");
    }

    [Test]
    public void NibabelLabelMapReadByOurs([Values(VoxelType.UInt8, VoxelType.Int16, VoxelType.UInt16, VoxelType.Int32)] VoxelType type)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(type, TestGeometry("oblique"));
        string path = tmp.File("labels.nii.gz");
        Make(path, v.Bytes.ToArray(), Spec(v, "both", intent: 1002), tmp);
        var r = Nifti.Read(path);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.LabelMap));
        Assert.That(r.VoxelType, Is.EqualTo(type));
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(v.Bytes.ToArray()));
    }

    /// <summary>
    /// ITK's convention, written by nibabel: intent VECTOR (1007) holds LPS components, intent DISPVECT (1006) holds RAS
    /// components (ITK ≥ 5.4 flips those on read). Both must come back as the same RAS field.
    /// </summary>
    [Test]
    public void NibabelDisplacementFieldReadByOurs(
        [Values(1007, 1006)] int intent,
        [Values(VoxelType.Float32, VoxelType.Float64)] VoxelType type,
        [Values(".nii", ".nii.gz")] string ext)
    {
        using var tmp = new TempFolder();
        var ras = RandomVolume(type, TestGeometry("oblique"), 3, VolumeKind.DisplacementField, seed: 3);
        var onDisk = ras.Clone();
        if (intent == 1007) for (long n = 0; n < onDisk.ElementCount; n++) if (n % 3 != 2) onDisk.SetElement(n, -onDisk.GetElement(n));
        string path = tmp.File("field" + ext);
        Make(path, onDisk.Bytes.ToArray(), Spec(onDisk, "both", intent), tmp);

        var r = Nifti.Read(path);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(r.Components, Is.EqualTo(3));
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(ras.Bytes.ToArray()), "RAS components in memory");
        AssertAffine(ras.Geometry.IjkToRas, r.Geometry.IjkToRas, TolMm, "affine");
    }

    /// <summary>A 3-component image without a vector intent is a plain vector image; its components are not touched.</summary>
    [Test]
    public void NibabelVectorWithoutIntentIsNotADisplacementField()
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.Float32, TestGeometry("axial"), 3, VolumeKind.Vector);
        string path = tmp.File("rgb.nii");
        Make(path, v.Bytes.ToArray(), Spec(v, "both", 0), tmp);
        var r = Nifti.Read(path);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.Vector));
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(v.Bytes.ToArray()));
    }

    /// <summary>nibabel's img.affine prefers the sform over the qform when both are coded; so do we.</summary>
    [Test]
    public void SformWinsOverADifferentQform()
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.Int16, TestGeometry("oblique"));
        var other = TestGeometry("flipped").IjkToRas;
        var spec = Spec(v, "both");
        spec["qform_affine"] = AffineJson(other);
        string path = tmp.File("both.nii");
        Make(path, v.Bytes.ToArray(), spec, tmp);
        var d = Dump(path, tmp);
        AssertAffine(other, d.Qform!, TolMm, "the file really holds a different qform");
        var r = Nifti.Read(path);
        AssertAffine(v.Geometry.IjkToRas, r.Geometry.IjkToRas, TolMm, "sform used");
        AssertAffine(d.Affine, r.Geometry.IjkToRas, TolMm, "agrees with nibabel");
    }

    [Test]
    public void BigEndianFileFromNibabel([Values(VoxelType.Int16, VoxelType.Float64)] VoxelType type, [Values("sform", "qform")] string forms)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(type, TestGeometry("flipped"));
        var spec = Spec(v, forms);
        spec["endian"] = ">";
        string path = tmp.File("big.nii");
        Make(path, v.Bytes.ToArray(), spec, tmp);
        Assert.That((string)Dump(path, tmp).Json["endian"]!, Is.EqualTo(">"), "nibabel wrote big-endian");
        var r = Nifti.Read(path);
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(v.Bytes.ToArray()));
        AssertAffine(v.Geometry.IjkToRas, r.Geometry.IjkToRas, TolMm, "affine");
    }

    /// <summary>scl_slope/scl_inter are applied; the values must equal what nibabel returns for the same file.</summary>
    [Test]
    public void ScaledVoxelsMatchNibabel([Values(VoxelType.UInt8, VoxelType.Int16, VoxelType.UInt16, VoxelType.Int32, VoxelType.Float32)] VoxelType type)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(type, TestGeometry("axial"));
        var spec = Spec(v, "sform");
        spec["scl_slope"] = 0.5;
        spec["scl_inter"] = -1024;
        string path = tmp.File("scaled.nii.gz");
        Make(path, v.Bytes.ToArray(), spec, tmp);
        var d = Dump(path, tmp);
        Assert.That(d.Dtype, Does.StartWith("float"), "nibabel applied the scaling");
        var expected = d.Dtype == "float32"
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(d.Raw).ToArray().Select(x => (double)x).ToArray()
            : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(d.Raw).ToArray();

        var r = Nifti.Read(path);
        Assert.That(r.VoxelType, Is.EqualTo(type == VoxelType.Int32 ? VoxelType.Float64 : VoxelType.Float32));
        for (long n = 0; n < r.ElementCount; n++)
            Assert.That(r.GetElement(n), Is.EqualTo(expected[n]).Within(Math.Abs(expected[n]) * 1e-6 + 1e-6), $"element {n}");
        Assert.That(r.GetElement(0), Is.EqualTo(0.5 * v.GetElement(0) - 1024).Within(1e-2));
    }

    /// <summary>The identity scaling (1, 0) keeps the stored type.</summary>
    [Test]
    public void IdentityScalingKeepsTheType()
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.Int16, TestGeometry("axial"));
        var spec = Spec(v, "sform");
        spec["scl_slope"] = 1;
        spec["scl_inter"] = 0;
        string path = tmp.File("identity.nii");
        Make(path, v.Bytes.ToArray(), spec, tmp);
        var r = Nifti.Read(path);
        Assert.That(r.VoxelType, Is.EqualTo(VoxelType.Int16));
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(v.Bytes.ToArray()));
    }

    /// <summary>
    /// Spatial units in metres or microns are converted to mm, the whole affine (nifti1.h: x, y, z are in xyzt_units).
    /// ITK (through plastimatch) scales the spacing the same way but leaves the origin unscaled: a recorded difference.
    /// </summary>
    [Test]
    public void SpatialUnitsAreConvertedToMm([Values(1, 3)] int units)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.Int16, TestGeometry("oblique"));
        var spec = Spec(v, "both");
        spec["xyzt_units"] = units;
        string path = tmp.File("units.nii");
        Make(path, v.Bytes.ToArray(), spec, tmp);
        double scale = units == 1 ? 1000 : 0.001;
        var r = Nifti.Read(path);
        var expected = new Mat4(new Mat3(v.Geometry.IjkToRas.Linear.ToRowMajor().Select(x => x * scale).ToArray()), v.Geometry.Origin * scale);
        AssertAffine(expected, r.Geometry.IjkToRas, TolMm * scale, "scaled to mm");

        string itk = tmp.File("itk.nii");
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", path, "--output-img", itk);
        var fromItk = Dump(itk, tmp).Affine;
        Assert.That(fromItk.Linear.ApproximatelyEquals(r.Geometry.IjkToRas.Linear, TolMm * scale), Is.True, $"spacing and direction as ITK: {fromItk}");
        Assert.That((fromItk.Translation - v.Geometry.Origin).Norm, Is.LessThan(1e-4), "ITK keeps the origin in file units (ITK's behaviour, not ours)");
    }

    /// <summary>
    /// Without sform or qform we take ITK's default (identity direction in LPS, origin 0), so Slicer, which reads NIfTI
    /// through ITK, places the volume where we do. nibabel returns an Analyze-style affine instead (recorded here).
    /// </summary>
    [Test]
    public void NoFormsFollowsItk()
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.Int16, TestGeometry("axial"));
        var spec = Spec(v, "none");
        spec["zooms"] = new System.Text.Json.Nodes.JsonArray(0.8, 1.1, 2.5);
        string path = tmp.File("noforms.nii");
        Make(path, v.Bytes.ToArray(), spec, tmp);
        var d = Dump(path, tmp);
        Assert.That((d.SformCode, d.QformCode), Is.EqualTo((0, 0)));

        var r = Nifti.Read(path);
        string itk = tmp.File("itk.nii");
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", path, "--output-img", itk);
        AssertAffine(Dump(itk, tmp).Affine, r.Geometry.IjkToRas, TolMm, "same as ITK");
        Assert.That(r.Geometry.Spacing.X, Is.EqualTo(0.8).Within(1e-6));
        Assert.That(d.Affine.Translation.Norm, Is.GreaterThan(1), "nibabel centres the grid instead (documented difference)");
    }
}
