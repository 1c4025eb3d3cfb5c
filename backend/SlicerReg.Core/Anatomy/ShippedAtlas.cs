namespace SlicerReg.Core.Anatomy;

/// <summary>
/// The atlases shipped with SlicerReg: atlas/&lt;preset&gt;/femur_atlas.nrrd and femur_atlas_label.nrrd (made by
/// `slicerreg phantom --preset P`, docs/phantom.md). Found by walking up from the program's folder and from the current
/// folder to the first that holds atlas/&lt;preset&gt;.
/// </summary>
public static class ShippedAtlas
{
    public const string CtFileName = "femur_atlas.nrrd", LabelFileName = "femur_atlas_label.nrrd";

    /// <summary>The CT and label paths of <paramref name="preset"/>'s atlas; throws naming where it looked.</summary>
    public static (string Ct, string Label) Find(string preset)
    {
        var looked = new List<string>();
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                string folder = Path.Combine(dir.FullName, "atlas", preset);
                string ct = Path.Combine(folder, CtFileName), label = Path.Combine(folder, LabelFileName);
                if (File.Exists(ct) && File.Exists(label)) return (ct, label);
                if (looked.Count < 3) looked.Add(folder);
            }
        throw new FileNotFoundException($"the shipped '{preset}' atlas (atlas/{preset}/{CtFileName}) was not found above the program or the current folder " +
                                        $"(looked in {string.Join(", ", looked)}, …); give --atlas FILE (its label map FILE_label next to it, or --atlas-label)");
    }
}
