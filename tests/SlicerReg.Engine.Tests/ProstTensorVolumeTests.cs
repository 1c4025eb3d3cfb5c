using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Engine.Projection;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>Volume ↔ (1, C, K, J, I) tensor: layout and round trip.</summary>
public class ProstTensorVolumeTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    [Test]
    public void VoxelIjkComponentCLandsAtTensorIndexCKJI()
    {
        var geometry = ImageGeometry.Axial(new GridSize(5, 4, 3), new Vec3(1, 2, 3));
        var volume = new Volume(geometry, VoxelType.Int16, components: 2);
        for (int k = 0; k < 3; k++) for (int j = 0; j < 4; j++) for (int i = 0; i < 5; i++) for (int c = 0; c < 2; c++)
            volume[i, j, k, c] = 1000 * c + 100 * k + 10 * j + i;
        using var tv = TensorVolume.FromVolume(volume);
        Assert.That(tv.Data.shape, Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
        Assert.That(tv.Data[0, 1, 2, 3, 4].item<float>(), Is.EqualTo(1234f));
        Assert.That(tv.Data[0, 0, 1, 2, 3].item<float>(), Is.EqualTo(123f));
        var back = tv.ToVolume();
        Assert.That(back.Components, Is.EqualTo(2));
        Assert.That(back.Geometry.ApproximatelyEquals(geometry));
        for (int n = 0; n < volume.ElementCount; n++) Assert.That(back.GetElement(n), Is.EqualTo(volume.GetElement(n)));
        using var scope = NewDisposeScope();
        Assert.That(() => new TensorVolume(zeros(new long[] { 1, 1, 5, 4, 3 }), geometry), Throws.ArgumentException.With.Message.Contains("expects (3, 4, 5)"));
    }
}
