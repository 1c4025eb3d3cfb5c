using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>
/// Issue 21: readers open only regular files. A detached data file (NRRD "data file:", MetaImage ElementDataFile) or an input
/// that is a FIFO, a device or a directory gets a clear error naming the file that was given; a read never blocks on a FIFO
/// that nothing writes to (it used to hang `slicerreg info` forever). Every read runs under a time limit.
/// </summary>
public class InputFileTests
{
    const string Header = "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 3 4\nencoding: raw\n";

    static string Fifo(TempFolder tmp, string name)
    {
        string path = tmp.File(name);
        ExternalTool.Check("mkfifo", path);
        return path;
    }

    /// <summary>The read on its own thread: a hang fails the test after 10 s instead of blocking the suite.</summary>
    static ImageFormatException Refused(Func<object> read, string expected)
    {
        var task = Task.Run(read);
        try { task.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
        Assert.That(task.IsCompleted, Is.True, "the read blocked");
        var e = task.Exception?.InnerException as ImageFormatException;
        Assert.That(e, Is.Not.Null, $"expected an ImageFormatException, got {task.Exception?.InnerException?.GetType().Name ?? "success"}");
        Assert.That(e!.Message, Does.Contain(expected));
        return e;
    }

    [Test]
    public void NrrdDataFileThatIsAFifo_IsRefusedWithoutBlocking()
    {
        using var tmp = new TempFolder();
        string pipe = Fifo(tmp, "t.raw");
        File.WriteAllText(tmp.File("t.nhdr"), Header + "data file: t.raw\n");
        var e = Refused(() => VolumeFile.Read(tmp.File("t.nhdr")), $"its data file {pipe} is a FIFO (named pipe), not a regular file");
        Assert.That(e.FilePath, Is.EqualTo(tmp.File("t.nhdr")), "the error names the header the user gave");
    }

    [Test]
    public void MetaImageDataFileThatIsAFifo_IsRefusedWithoutBlocking()
    {
        using var tmp = new TempFolder();
        Fifo(tmp, "t.raw");
        File.WriteAllText(tmp.File("t.mhd"), "ObjectType = Image\nNDims = 3\nDimSize = 2 3 4\nElementType = MET_UCHAR\nElementDataFile = t.raw\n");
        Refused(() => VolumeFile.Read(tmp.File("t.mhd")), "is a FIFO (named pipe), not a regular file");
    }

    [TestCase("t.nrrd")]
    [TestCase("t.nii")]
    [TestCase("t.nii.gz")]
    [TestCase("t.mha")]
    public void InputThatIsAFifo_IsRefusedWithoutBlocking(string name)
    {
        using var tmp = new TempFolder();
        string pipe = Fifo(tmp, name);
        Refused(() => VolumeFile.Read(pipe), $"{pipe}: is a FIFO (named pipe), not a regular file");
    }

    [Test]
    public void ViewFileThatIsAFifo_IsRefusedWithoutBlocking()
    {
        using var tmp = new TempFolder();
        string pipe = Fifo(tmp, "view.json");
        Refused(() => ViewFile.Read(pipe), "is a FIFO (named pipe), not a regular file");
    }

    [Test]
    public void DataFileThatIsADevice_IsRefused()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("t.nhdr"), Header + "data file: /dev/zero\n");
        Refused(() => VolumeFile.Read(tmp.File("t.nhdr")), "its data file /dev/zero is a character device, not a regular file");
    }

    [Test]
    public void InputsThatAreDirectories_AreRefused()
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(tmp.File("d.nrrd"));
        Refused(() => VolumeFile.Read(tmp.File("d.nrrd")), "is a directory, not a file");
        Directory.CreateDirectory(tmp.File("data"));
        File.WriteAllText(tmp.File("t.nhdr"), Header + "data file: data\n");
        Refused(() => VolumeFile.Read(tmp.File("t.nhdr")), "its data file");
    }

    [Test]
    public void RegularFilesAndLinksToThem_AreRead()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("t.raw"), Enumerable.Range(0, 24).Select(n => (byte)n).ToArray());
        File.WriteAllText(tmp.File("t.nhdr"), Header + "data file: t.raw\n");
        File.CreateSymbolicLink(tmp.File("link.nhdr"), tmp.File("t.nhdr"));
        var v = VolumeFile.Read(tmp.File("link.nhdr"));
        Assert.That(v.GetElement(23), Is.EqualTo(23));
    }
}
