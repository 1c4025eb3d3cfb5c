namespace SlicerReg.Core.IO;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one, never a half-written one:
/// write to a temporary file in the same folder, flush to disk, then rename over the target.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write) => WriteAll(new[] { (path, write) });

    /// <summary>Writes several files as one unit (e.g. a detached header and its data): all are renamed only after all are written.</summary>
    public static void WriteAll(IReadOnlyList<(string Path, Action<Stream> Write)> files)
    {
        var temps = new List<(string Tmp, string Full)>();
        try
        {
            foreach (var (path, write) in files)
            {
                string full = Path.GetFullPath(path);
                string dir = Path.GetDirectoryName(full) ?? ".";
                if (!Directory.Exists(dir)) throw new ImageFormatException(path, $"folder {dir} does not exist");
                string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
                temps.Add((tmp, full));
                using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            // Data files first, header last, so a reader never finds a header without its data.
            for (int n = temps.Count - 1; n >= 0; n--) File.Move(temps[n].Tmp, temps[n].Full, overwrite: true);
            temps.Clear();
        }
        finally
        {
            foreach (var (tmp, _) in temps) try { File.Delete(tmp); } catch { }
        }
    }
}
