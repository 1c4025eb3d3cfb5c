namespace SlicerReg.Core.Anatomy;

/// <summary>
/// The atlases shipped with SlicerReg: atlas/&lt;preset&gt;/femur_atlas.nrrd and femur_atlas_label.nrrd (made by
/// `slicerreg phantom --preset P`, docs/phantom.md), and the trained models under atlas/models/. Found by walking up from
/// the program's folder and from the current folder to the first that holds the path.
/// </summary>
public static class ShippedAtlas
{
    public const string CtFileName = "femur_atlas.nrrd", LabelFileName = "femur_atlas_label.nrrd";

    /// <summary>The CT and label paths of <paramref name="preset"/>'s atlas; throws naming where it looked.</summary>
    public static (string Ct, string Label) Find(string preset)
    {
        string folder = FindFolder(Path.Combine("atlas", preset), f => File.Exists(Path.Combine(f, CtFileName)) && File.Exists(Path.Combine(f, LabelFileName)),
                                   out var looked)
            ?? throw new FileNotFoundException($"the shipped '{preset}' atlas (atlas/{preset}/{CtFileName}) was not found above the program or the current folder " +
                                               $"(looked in {string.Join(", ", looked)}, …); give --atlas FILE (its label map FILE_label next to it, or --atlas-label)");
        return (Path.Combine(folder, CtFileName), Path.Combine(folder, LabelFileName));
    }

    /// <summary>
    /// The first folder <paramref name="relative"/> (e.g. atlas/models/NAME) above the program's folder or the current folder
    /// that satisfies <paramref name="accept"/>, or null; <paramref name="looked"/> lists the first places tried, for messages.
    /// </summary>
    public static string? FindFolder(string relative, Func<string, bool> accept, out IReadOnlyList<string> looked)
    {
        var tried = new List<string>();
        looked = tried;
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                string folder = Path.Combine(dir.FullName, relative);
                if (accept(folder)) return folder;
                if (tried.Count < 3) tried.Add(folder);
            }
        return null;
    }
}
