using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

public class AtomicFileTests
{
    [Test]
    public void AFailingWriterLeavesTheOldFileAndNoTemporaryFile()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("out.nrrd");
        File.WriteAllText(path, "old");
        Assert.That(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new IOException("disk full"); }), Throws.InstanceOf<IOException>());
        Assert.That(File.ReadAllText(path), Is.EqualTo("old"));
        Assert.That(Directory.GetFiles(tmp.Path), Has.Length.EqualTo(1));
    }

    [Test]
    public void WriteAllRenamesOnlyWhenEveryFileIsWritten()
    {
        using var tmp = new TempFolder();
        Assert.That(() => AtomicFile.WriteAll(new (string, Action<Stream>)[]
        {
            (tmp.File("a.nhdr"), s => s.WriteByte(1)),
            (tmp.File("a.raw"), s => throw new IOException("boom")),
        }), Throws.InstanceOf<IOException>());
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty);
        AtomicFile.WriteAll(new (string, Action<Stream>)[] { (tmp.File("b.nhdr"), s => s.WriteByte(1)), (tmp.File("b.raw"), s => s.WriteByte(2)) });
        Assert.That(Directory.GetFiles(tmp.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "b.nhdr", "b.raw" }));
    }

    [Test]
    public void WritingIntoAMissingFolderNamesTheFile()
    {
        Assert.That(() => AtomicFile.Write("/nonexistent-folder/x.nii", s => { }),
            Throws.InstanceOf<ImageFormatException>().With.Message.Contains("/nonexistent-folder/x.nii"));
    }
}
