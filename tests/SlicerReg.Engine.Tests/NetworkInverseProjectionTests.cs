using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Projection;
using static SlicerReg.Engine.Tests.NetworkTestScenes;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>invProST inside the local module: decoded beam features land where the patient grid says.</summary>
public class NetworkInverseProjectionTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    [Test]
    public void BeamFeaturesAtTheDecoderResolutionLandOnTheirVoxels()
    {
        // A smooth volume is put into each view's beam space at exactly the decoder's resolution (M·2^L samples per ray ×
        // rows × columns over the beam's depth range) by ProST, and the local module's own ToPatient must give it back
        // inside the cone (paper, "invProST": ProST then invProST ≈ identity apart from interpolation).
        var preset = NetworkPreset.Tiny;
        var grid = Grid(preset);
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), grid, Views(preset));
        var (depth, rows, cols) = net.Local.DecoderBeamShape(preset);
        using var scope = NewDisposeScope();
        var c = SimilarityTransform.GridCentre(grid);
        var volume = ProstTestScenes.Field(grid, x => 0.5 + ProstTestScenes.Gaussian(c + new Vec3(6, -4, 10), 15)(x) + 0.2 * Math.Sin(0.05 * x.X + 0.03 * x.Z));
        for (int v = 0; v < 2; v++)
        {
            var beam = net.Geometry.Projectors[v].Beam;
            using var prost = new ProjectiveSpatialTransformer(new BeamGeometry(beam.View, beam.NearMm, beam.FarMm, depth), grid);
            var beamVolume = prost.BeamVolume(volume);
            Assert.That(beamVolume.shape, Is.EqualTo(new long[] { 1, 1, depth, rows, cols }));
            var back = net.Local.ToPatient(beamVolume, v);
            var mask = net.Geometry.Inverses[v].ConeMask();
            var a = volume.contiguous().data<float>().ToArray();
            var b = back.contiguous().data<float>().ToArray();
            var m = mask.contiguous().data<float>().ToArray();
            var s = grid.Size;
            double err = 0, sum = 0; int inside = 0;
            for (int k = 1; k < s.K - 1; k++) for (int j = 1; j < s.J - 1; j++) for (int i = 1; i < s.I - 1; i++)
            {
                long q = ((long)k * s.J + j) * s.I + i;
                var p = beam.View.Project(grid.IndexToRas(new Vec3(i, j, k)))!.Value;
                bool wellInside = p.Column > 0.5 && p.Column < cols - 1.5 && p.Row > 0.5 && p.Row < rows - 1.5;
                if (!wellInside) continue;
                Assert.That(m[q], Is.EqualTo(1f), $"voxel ({i}, {j}, {k}) is inside the {ViewPair.Names[v]} cone but masked");
                inside++; err += Math.Abs(b[q] - a[q]); sum += Math.Abs(a[q]);
            }
            double rel = err / sum;
            TestContext.Out.WriteLine($"{ViewPair.Names[v]}: beam {depth}×{rows}×{cols}, {inside} voxels inside the cone, mean |error| / mean |value| = {rel:P2}");
            Assert.That(inside, Is.GreaterThan(s.VoxelCount / 3));
            Assert.That(rel, Is.LessThan(0.02));
        }
    }

    [Test]
    public void ADecodedFeatureAtOneDetectorPixelLandsOnThatPixelsRay()
    {
        // A beam tensor that is 1 in the cells of one detector pixel (all depths) and 0 elsewhere must come back as the
        // voxels whose centres project into that pixel (± half a pixel of interpolation), and nowhere else.
        var preset = NetworkPreset.Tiny;
        var grid = Grid(preset);
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), grid, Views(preset));
        var (depth, rows, cols) = net.Local.DecoderBeamShape(preset);
        using var scope = NewDisposeScope();
        int pr = rows / 2 + 3, pc = cols / 2 - 4;
        for (int v = 0; v < 2; v++)
        {
            var beam = zeros(new long[] { 1, 1, depth, rows, cols });
            beam[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Colon, pr, pc] = tensor(1f);
            var back = net.Local.ToPatient(beam, v).contiguous().data<float>().ToArray();
            var view = net.Geometry.Views[v];
            var s = grid.Size; int hits = 0;
            for (int k = 0; k < s.K; k++) for (int j = 0; j < s.J; j++) for (int i = 0; i < s.I; i++)
            {
                float value = back[((long)k * s.J + j) * s.I + i];
                var p = view.Project(grid.IndexToRas(new Vec3(i, j, k)))!.Value;
                double dc = Math.Abs(p.Column - pc), dr = Math.Abs(p.Row - pr);
                if (value > 0) Assert.That(dc < 1 && dr < 1, $"{ViewPair.Names[v]}: voxel ({i}, {j}, {k}) projects to ({p.Column:F2}, {p.Row:F2}), not next to pixel ({pc}, {pr}), but got {value}");
                if (dc < 0.05 && dr < 0.05) Assert.That(value, Is.GreaterThan(0.85f), $"{ViewPair.Names[v]}: voxel ({i}, {j}, {k}) projects onto the pixel centre but got {value}");
                if (value > 0.5f) hits++;
            }
            TestContext.Out.WriteLine($"{ViewPair.Names[v]}: {hits} voxels > 0.5 along the ray of pixel ({pc}, {pr})");
            Assert.That(hits, Is.GreaterThan(5));
        }
    }
}
