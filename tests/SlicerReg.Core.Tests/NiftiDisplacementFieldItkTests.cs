using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.NiftiTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>
/// The meaning of our displacement-field files, checked by ITK itself: plastimatch warps an image with our field
/// (ITK resampling: out(x) = in(x + u(x)), u read from the NIfTI as ITK reads it). A field that moves every point by
/// +2 voxels along index i (in RAS) must give out[i] = in[i + 2]; a wrong component frame would shift the other way
/// or sideways.
/// </summary>
[TestFixture]
public class NiftiDisplacementFieldItkTests
{
    [Test]
    public void PlastimatchWarpsWithOurFieldInTheIntendedDirection([Values("axial", "oblique")] string geometry, [Values(".nii", ".nii.gz")] string ext)
    {
        using var tmp = new TempFolder();
        var g = TestGeometry(geometry);
        var image = new Volume(g, VoxelType.Float32);
        for (int k = 0; k < g.Size.K; k++)
            for (int j = 0; j < g.Size.J; j++)
                for (int i = 0; i < g.Size.I; i++) image[i, j, k] = 100 * i + 10 * j + k;
        var field = new Volume(g, VoxelType.Float32, 3, VolumeKind.DisplacementField);
        var shift = g.IjkToRas.TransformVector(new Vec3(2, 0, 0)); // two voxels along i, in RAS mm
        for (long n = 0; n < g.Size.VoxelCount; n++) { field.SetElement(3 * n, shift.X); field.SetElement(3 * n + 1, shift.Y); field.SetElement(3 * n + 2, shift.Z); }

        string img = tmp.File("image" + ext), vf = tmp.File("field" + ext), warped = tmp.File("warped.nii");
        var nifti = new NiftiFormat();
        nifti.Write(image, img);
        nifti.Write(field, vf);
        ExternalTool.Check(ExternalTool.Plastimatch, "warp", "--input", img, "--xf", vf, "--output-img", warped, "--interpolation", "nn");
        var d = Dump(warped, tmp);
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(d.Raw).ToArray();
        Assert.That(d.Shape, Is.EqualTo(new[] { 7, 5, 4 }));
        for (int k = 0; k < g.Size.K; k++)
            for (int j = 0; j < g.Size.J; j++)
                for (int i = 0; i + 2 < g.Size.I; i++)
                    Assert.That(values[image.LinearIndex(i, j, k)], Is.EqualTo(100 * (i + 2) + 10 * j + k), $"voxel ({i},{j},{k})");
    }

    /// <summary>
    /// A field written by ITK (plastimatch resamples ours onto the same grid and writes it) reads back as the same RAS
    /// field, and ITK writes the same layout and intent as we do. (Both sides pass components through unchanged for
    /// intent VECTOR, so the sign convention itself is checked by the warp test above.)
    /// </summary>
    [Test]
    public void FieldRewrittenByItkReadsBackTheSame()
    {
        using var tmp = new TempFolder();
        var u = RandomVolume(VoxelType.Float32, TestGeometry("flipped"), 3, VolumeKind.DisplacementField);
        string ours = tmp.File("ours.nii.gz"), grid = tmp.File("grid.nii"), itk = tmp.File("itk.nii");
        var nifti = new NiftiFormat();
        nifti.Write(u, ours);
        nifti.Write(new Volume(u.Geometry, VoxelType.UInt8), grid); // plastimatch needs the output grid as an image
        ExternalTool.Check(ExternalTool.Plastimatch, "xf-convert", "--input", ours, "--output-type", "vf", "--fixed", grid, "--output", itk);
        var d = Dump(itk, tmp);
        TestContext.Out.WriteLine($"ITK wrote intent {d.IntentCode}, dim {d.Json["dim"]!.ToJsonString()}");
        Assert.That(d.IntentCode, Is.EqualTo(1007), "ITK writes vector images with NIFTI_INTENT_VECTOR");
        var r = nifti.Read(itk);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        for (long n = 0; n < u.ElementCount; n++) // ITK resampled the field onto the same grid: float rounding only
            Assert.That(r.GetElement(n), Is.EqualTo(u.GetElement(n)).Within(1e-5 * Math.Abs(u.GetElement(n)) + 1e-4), $"element {n}");
        AssertAffine(u.Geometry.IjkToRas, r.Geometry.IjkToRas, 1e-4, "grid");
    }
}
