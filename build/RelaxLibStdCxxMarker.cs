// MSBuild task (compiled by RoslynCodeTaskFactory) that makes TorchSharp's native bridge load on Debian 12.
//
// Why: libLibTorchSharp.so (TorchSharp 0.107.0) was linked by GCC 13, whose <iostream> plants a reference to
// the marker symbol _ZSt21ios_base_library_initv, bound to version GLIBCXX_3.4.32. Debian 12's libstdc++
// stops at GLIBCXX_3.4.30, so the dynamic loader rejects the whole library ("version not found") and
// TorchSharp reports a misleading "doesn't contain a reference to libtorch-cpu-linux-x64".
// The marker is never called (it has no relocation); it only forces the linker to pull in iostream's init.
//
// What: in the copy of the library in the build/publish output (never in the NuGet cache), set VER_FLG_WEAK
// on every version-need entry whose bound symbols are all such markers. glibc treats a missing *weak*
// version need as non-fatal (elf/dl-version.c, match_symbol). Any other symbol bound to a missing version
// would be a real dependency, so the task refuses to touch those and fails the build with a clear message.
// The edit is idempotent, byte-sized (one 16-bit flag field) and written atomically (temp file + rename),
// which also breaks any hard link to the package cache.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class RelaxLibStdCxxMarker : Task
{
    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    static readonly HashSet<string> MarkerSymbols = new HashSet<string> { "_ZSt21ios_base_library_initv" };
    const uint SHT_DYNSYM = 11, SHT_GNU_verneed = 0x6ffffffe, SHT_GNU_versym = 0x6fffffff;
    const ushort VER_FLG_WEAK = 0x2;

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            string path = item.ItemSpec;
            try
            {
                int patched = Patch(path, out string detail);
                if (patched > 0) Log.LogMessage(MessageImportance.High, $"LibTorchSharp compat: {path}: {detail}");
                else Log.LogMessage(MessageImportance.Low, $"LibTorchSharp compat: {path}: nothing to do ({detail})");
            }
            catch (Exception e)
            {
                Log.LogError($"LibTorchSharp compat: cannot patch {path}: {e.Message}");
                return false;
            }
        }
        return !Log.HasLoggedErrors;
    }

    static int Patch(string path, out string detail)
    {
        byte[] b = File.ReadAllBytes(path);
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (b[4] != 2 || b[5] != 1) throw new InvalidDataException("only 64-bit little-endian ELF is supported");

        ulong shoff = BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        long verneedOff = -1, versymOff = -1, dynsymOff = -1; int verneedCount = 0, dynsymCount = 0;
        long verneedStr = -1, dynsymStr = -1;
        for (int i = 0; i < shnum; i++)
        {
            long sh = (long)shoff + (long)i * shentsize;
            uint type = BitConverter.ToUInt32(b, (int)sh + 4);
            long off = (long)BitConverter.ToUInt64(b, (int)sh + 0x18);
            long size = (long)BitConverter.ToUInt64(b, (int)sh + 0x20);
            uint link = BitConverter.ToUInt32(b, (int)sh + 0x28);
            uint info = BitConverter.ToUInt32(b, (int)sh + 0x2C);
            long linkedOff = (long)BitConverter.ToUInt64(b, (int)((long)shoff + (long)link * shentsize) + 0x18);
            if (type == SHT_GNU_verneed) { verneedOff = off; verneedCount = (int)info; verneedStr = linkedOff; }
            else if (type == SHT_GNU_versym) versymOff = off;
            else if (type == SHT_DYNSYM) { dynsymOff = off; dynsymCount = (int)(size / 24); dynsymStr = linkedOff; }
        }
        if (verneedOff < 0 || versymOff < 0 || dynsymOff < 0) { detail = "no symbol versioning"; return 0; }

        // Which symbols are bound to each version index.
        var symbolsByVersion = new Dictionary<int, List<string>>();
        for (int s = 1; s < dynsymCount; s++)
        {
            int ndx = BitConverter.ToUInt16(b, (int)(versymOff + 2 * s)) & 0x7fff;
            string name = CString(b, dynsymStr + BitConverter.ToUInt32(b, (int)(dynsymOff + 24L * s)));
            if (!symbolsByVersion.TryGetValue(ndx, out var list)) symbolsByVersion[ndx] = list = new List<string>();
            list.Add(name);
        }

        int patched = 0; var notes = new List<string>();
        long vn = verneedOff;
        for (int n = 0; n < verneedCount; n++)
        {
            int cnt = BitConverter.ToUInt16(b, (int)vn + 2);
            string file = CString(b, verneedStr + BitConverter.ToUInt32(b, (int)vn + 4));
            long aux = vn + BitConverter.ToUInt32(b, (int)vn + 8);
            for (int a = 0; a < cnt; a++)
            {
                ushort flags = BitConverter.ToUInt16(b, (int)aux + 4);
                int other = BitConverter.ToUInt16(b, (int)aux + 6);
                string version = CString(b, verneedStr + BitConverter.ToUInt32(b, (int)aux + 8));
                if (file.StartsWith("libstdc++", StringComparison.Ordinal)
                    && symbolsByVersion.TryGetValue(other, out var syms)
                    && syms.TrueForAll(MarkerSymbols.Contains))
                {
                    if ((flags & VER_FLG_WEAK) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VER_FLG_WEAK)).CopyTo(b, (int)aux + 4);
                        patched++;
                        notes.Add($"{version} (only {string.Join(",", syms)}) marked weak");
                    }
                    else notes.Add($"{version} already weak");
                }
                aux += BitConverter.ToUInt32(b, (int)aux + 12);
            }
            vn += BitConverter.ToUInt32(b, (int)vn + 12);
        }
        detail = notes.Count == 0 ? "no marker-only version needs" : string.Join("; ", notes);
        if (patched == 0) return 0;

        string tmp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllBytes(tmp, b);
        File.Replace(tmp, path, null); // rename: atomic, and never writes through a hard link
        return patched;
    }

    static string CString(byte[] b, long off)
    {
        int end = (int)off; while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)off, end - (int)off);
    }
}
