using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;

namespace SlicerReg.Core.Tests;

/// <summary>The radiograph model of docs/radiographs.md: I₀, log conversion, MONOCHROME1, collimation, and the realistic simulation recovered.</summary>
public class RadiographModelTests
{
    /// <summary>A 100 × 80 line-integral scene: open field (p = 0) in the left 10 columns, tissue 0.5 … 4.5 elsewhere.</summary>
    static float[] Scene(int columns = 100, int rows = 80)
    {
        var p = new float[columns * rows];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                p[r * columns + c] = c < 10 ? 0f : (float)(0.5 + 4.0 * ((c - 10) * 37 + r * 11) % 97 / 97.0);
        return p;
    }

    static float[] Expose(float[] p, double i0) => p.Select(v => (float)(i0 * Math.Exp(-v))).ToArray();

    [Test]
    public void Noise_free_I0_is_recovered_exactly_and_the_log_gives_the_line_integrals_back()
    {
        var p = Scene();
        foreach (double i0 in new[] { 1.0, 4095, 123456.5 })
        {
            var intensity = Expose(p, i0);
            double estimate = OpenField.EstimateI0(intensity);
            Assert.That(Math.Abs(estimate / i0 - 1), Is.InRange(0, 1e-6));
            var back = LogConversion.ToLineIntegrals(intensity, estimate);
            for (int n = 0; n < p.Length; n++) Assert.That(Math.Abs(back[n] - p[n]), Is.InRange(0, 1e-5));
        }
    }

    [Test]
    public void Noisy_I0_is_estimated_within_half_a_percent()
    {
        var p = Scene(200, 160);
        var rng = new Random(3);
        const double photons = 1e4; // 1% noise per pixel
        var counts = p.Select(v => (float)PoissonNoise.Sample(rng, photons * Math.Exp(-v))).ToArray();
        double estimate = OpenField.EstimateI0(counts);
        TestContext.Out.WriteLine($"I0 {photons}, estimated {estimate}");
        Assert.That(estimate / photons, Is.InRange(0.995, 1.005));
    }

    [Test]
    public void Collimated_border_is_excluded_but_a_dark_object_inside_the_field_is_not()
    {
        const int columns = 60, rows = 50;
        var intensity = Enumerable.Repeat(1000f, columns * rows).ToArray();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                if (c < 5 || c >= 52 || r < 3 || r >= 47) intensity[r * columns + c] = 0;     // blades
                else if (c >= 20 && c < 25 && r >= 20 && r < 25) intensity[r * columns + c] = 0; // a lead marker in the field
        var inside = Collimation.InsideField(intensity, columns, rows, 1000);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                // The exposed rectangle eroded by one pixel (penumbra), the marker kept.
                bool expected = c >= 6 && c < 51 && r >= 4 && r < 46;
                Assert.That(expected == inside[r * columns + c], Is.True, $"pixel ({c}, {r}): expected {(expected ? "inside" : "outside")}");
            }
    }

    static Radiograph Flat(float[] pixels, int columns, int rows)
    {
        var view = new CArmGeometry { Columns = columns, Rows = rows, ColumnSpacingMm = 1, RowSpacingMm = 1 }.ToView();
        return new Radiograph(new Image2D(columns, rows, 1, 1, pixels), view);
    }

    [Test]
    public void Monochrome1_gives_the_same_line_integrals_as_monochrome2()
    {
        var p = Scene();
        var intensity = Expose(p, 30000);
        var plain = RadiographPreparation.Prepare(Flat(intensity, 100, 80), new Dictionary<string, string> { ["Modality"] = "DX" }, null, new(), "plain");
        Assert.That(plain.Kind, Is.EqualTo(RadiographKind.Intensity));
        Assert.That(plain.Inverted, Is.False);
        foreach (var (metadata, white) in new[]
        {
            (new Dictionary<string, string> { ["PhotometricInterpretation"] = "MONOCHROME1", ["slicerreg_white_level"] = "65535" }, 65535.0),
            (new Dictionary<string, string> { ["PhotometricInterpretation"] = "MONOCHROME1", ["BitsStored"] = "16" }, 65535.0),
        })
        {
            var stored = intensity.Select(v => (float)(white - v)).ToArray();
            var inverted = RadiographPreparation.Prepare(Flat(stored, 100, 80), metadata, null, new(), "inverted");
            Assert.That(inverted.Inverted, Is.True);
            Assert.That(Math.Abs(inverted.I0!.Value - 30000), Is.InRange(0, 0.01));
            var a = plain.Radiograph.Image.Pixels; var b = inverted.Radiograph.Image.Pixels;
            for (int n = 0; n < a.Length; n++) Assert.That(Math.Abs(a[n] - b[n]), Is.InRange(0, 1e-4));
            // Read as MONOCHROME2 the same stored values would be nonsense: bone bright in intensity, p negative in tissue.
            var wrong = RadiographPreparation.Prepare(Flat(stored, 100, 80), new Dictionary<string, string>(), null, new() { Kind = RadiographKind.Intensity }, "wrong");
            Assert.That(Ncc(wrong.Radiograph.Image.Pixels, a, null) < 0, Is.True);
        }
    }

    [Test]
    public void Kind_comes_from_the_metadata_and_defaults_to_line_integrals()
    {
        Assert.That(RadiographKinds.FromMetadata(new Dictionary<string, string> { ["slicerreg_radiograph_kind"] = "intensity" }, "f").Kind, Is.EqualTo(RadiographKind.Intensity));
        Assert.That(RadiographKinds.FromMetadata(new Dictionary<string, string> { ["slicerreg_radiograph_kind"] = "line-integral", ["Modality"] = "DX" }, "f").Kind, Is.EqualTo(RadiographKind.LineIntegral));
        Assert.That(RadiographKinds.FromMetadata(new Dictionary<string, string> { ["Modality"] = "CR" }, "f").Kind, Is.EqualTo(RadiographKind.Intensity));
        Assert.That(RadiographKinds.FromMetadata(new Dictionary<string, string> { ["Modality"] = "CT" }, "f").Kind, Is.EqualTo(RadiographKind.LineIntegral));
        Assert.That(RadiographKinds.FromMetadata(new Dictionary<string, string>(), "f").Kind, Is.EqualTo(RadiographKind.LineIntegral));
        var e = Assert.Throws<ImageFormatException>(() => RadiographKinds.FromMetadata(new Dictionary<string, string> { ["slicerreg_radiograph_kind"] = "log" }, "f.nrrd"));
        Assert.That(e.Message, Does.Contain("f.nrrd"));
    }

    /// <summary>Pearson correlation over the pixels where <paramref name="where"/> holds (all when null).</summary>
    internal static double Ncc(float[] a, float[] b, bool[]? where)
    {
        double sa = 0, sb = 0, n = 0;
        for (int i = 0; i < a.Length; i++) if (where?[i] ?? true) { sa += a[i]; sb += b[i]; n++; }
        double ma = sa / n, mb = sb / n, ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
            if (where?[i] ?? true) { double x = a[i] - ma, y = b[i] - mb; ab += x * y; aa += x * x; bb += y * y; }
        return ab / Math.Sqrt(aa * bb);
    }

    [Test]
    public void Realistic_radiographs_give_line_integrals_with_NCC_at_least_0_99_inside_the_collimation()
    {
        var subject = SubjectGenerator.Generate(11, new SubjectOptions { Preset = NetworkPreset.Tiny });
        var views = DatasetViews.Draw(ViewMode.Orthogonal, new Random(1));
        var rendered = SubjectRadiographs.Render(subject.Images, views.Select(v => v.View));
        var rng = new Random(7);
        foreach (var (r, name) in rendered.Zip(views.Select(v => v.Name)))
        {
            var exposure = RealisticExposure.Apply(r.Drr.Image, new RealisticExposureOptions(), rng);
            var metadata = new Dictionary<string, string> { ["slicerreg_radiograph_kind"] = "intensity" };
            var prepared = RadiographPreparation.Prepare(new Radiograph(exposure.Intensity, r.Drr.View), metadata, null, new(), name);
            var field = Collimation.InsideField(exposure.Intensity.Pixels, exposure.Intensity.Columns, exposure.Intensity.Rows, prepared.I0!.Value);
            // The field found is the drawn rectangle less its one-pixel rim.
            var (left, top, right, bottom) = exposure.Collimation;
            for (int n = 0; n < field.Length; n++)
            {
                int c = n % exposure.Intensity.Columns, row = n / exposure.Intensity.Columns;
                Assert.That(field[n], Is.EqualTo(c > left && c < right && row > top && row < bottom));
            }
            double ncc = Ncc(prepared.Radiograph.Image.Pixels, r.Drr.Image.Pixels, field);
            TestContext.Out.WriteLine($"{name}: I0 {prepared.I0:F0} (dose 1e5 photons, scatter 10%), NCC of the recovered line integrals vs the clean DRR inside the collimation {ncc:F5}");
            Assert.That(ncc >= 0.99, Is.True, $"{name}: NCC {ncc:F4} < 0.99");
        }
    }

    [Test]
    public void User_masks_differ_from_the_truth_only_within_three_pixels_of_its_outline()
    {
        var subject = SubjectGenerator.Generate(12, new SubjectOptions { Preset = NetworkPreset.Tiny });
        var view = DatasetViews.CArm(0).ToView();
        var truth = SubjectRadiographs.Render(subject.Images, new[] { view })[0].Mask.Image;
        var rng = new Random(4);
        var size = new GridSize(truth.Columns, truth.Rows, 1);
        var inside = truth.Pixels.Select(p => p > 0).ToArray();
        var toInside = Evaluation.EuclideanDistanceTransform.SquaredDistanceToFeatures(inside, size, new Vec3(1, 1, 1));
        var toOutside = Evaluation.EuclideanDistanceTransform.SquaredDistanceToFeatures(inside.Select(b => !b).ToArray(), size, new Vec3(1, 1, 1));
        bool sawChange = false;
        for (int trial = 0; trial < 5; trial++)
        {
            var drawn = SimulatedUserMask.Draw(truth, rng);
            Assert.That(drawn.OffsetPx, Is.InRange(-SimulatedUserMask.MaxOffsetPx, SimulatedUserMask.MaxOffsetPx));
            for (int n = 0; n < inside.Length; n++)
            {
                bool m = drawn.Mask.Pixels[n] > 0;
                sawChange |= m != inside[n];
                // Offset ≤ 2 px plus jitter ≤ 1 px: a pixel changes only within 3 px (+ the half pixel of the outline) of the true outline.
                if (m && !inside[n]) Assert.That(Math.Sqrt(toInside[n]), Is.InRange(0, 3.5));
                if (!m && inside[n]) Assert.That(Math.Sqrt(toOutside[n]), Is.InRange(0, 3.5));
            }
        }
        Assert.That(sawChange, Is.True);
    }
}
