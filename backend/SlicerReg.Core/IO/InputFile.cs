using System.Runtime.InteropServices;

namespace SlicerReg.Core.IO;

/// <summary>
/// Opens an input for reading only when it is a regular file (symbolic links followed). A FIFO, socket, device or
/// directory is refused with an <see cref="ImageFormatException"/> saying what it is: opening a FIFO that nothing writes
/// to blocks forever, and a device such as /dev/zero never ends — so a header's "data file:" must not lead there.
/// </summary>
public static class InputFile
{
    /// <summary>Throws unless <paramref name="path"/> names an existing regular file; <paramref name="origin"/> is the input named in the error (the header that pointed there, or the path itself).</summary>
    public static void RequireRegular(string path, string? origin = null)
    {
        string subject = origin is null || origin == path ? "" : $"its data file {path} ";
        origin ??= path;
        if (Directory.Exists(path)) throw new ImageFormatException(origin, $"{subject}is a directory, not a file");
        if (!File.Exists(path)) throw new ImageFormatException(origin, subject == "" ? "file not found" : $"{subject}not found");
        if (FileType(path) is { } type && type != Regular)
            throw new ImageFormatException(origin, $"{subject}is a {Name(type)}, not a regular file (only files on disk are read)");
    }

    /// <summary><see cref="RequireRegular"/>, then a read-only stream.</summary>
    public static FileStream OpenRead(string path, string? origin = null, int bufferSize = 1 << 16)
    {
        RequireRegular(path, origin);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
    }

    // File type bits of the runtime's own stat shim (System.Native's FileStatus.Mode uses these portable values on every Unix).
    const int TypeMask = 0xF000, Fifo = 0x1000, CharDevice = 0x2000, DirectoryType = 0x4000, BlockDevice = 0x6000, Regular = 0x8000, Link = 0xA000, Socket = 0xC000;

    static string Name(int type) => type switch
    {
        Fifo => "FIFO (named pipe)", CharDevice => "character device", BlockDevice => "block device",
        DirectoryType => "directory", Socket => "socket", Link => "symbolic link", _ => $"special file (type 0x{type:X})",
    };

    /// <summary>
    /// The file type from stat(2) through the .NET runtime's System.Native (shipped with every runtime; .NET has no public
    /// API for it). Null on Windows or when the call is unavailable: then only the checks above apply.
    /// </summary>
    static int? FileType(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        try
        {
            // FileStatus begins with int Flags, int Mode; the buffer is larger than the whole struct.
            Span<byte> status = stackalloc byte[512];
            if (Stat(path, ref MemoryMarshal.GetReference(status)) != 0) return null;
            return MemoryMarshal.Read<int>(status[4..]) & TypeMask;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", CharSet = CharSet.Ansi)]
    static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref byte status);
}
