namespace SlicerReg.Plotting;

/// <summary>The CRC-32 of PNG chunks (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320 reflected; PNG spec §5.5).</summary>
static class Crc32
{
    static readonly uint[] Table = Build();

    static uint[] Build()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    /// <summary>CRC of <paramref name="a"/> followed by <paramref name="b"/> (a chunk's type and data).</summary>
    public static uint Of(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Update(Update(0xFFFFFFFFu, a), b) ^ 0xFFFFFFFFu;
}
