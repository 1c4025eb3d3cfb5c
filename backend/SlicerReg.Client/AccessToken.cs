namespace SlicerReg.Client;

/// <summary>
/// The daemon's access token, on both ends: from --token, from --token-file (the file's first line; a command line is
/// visible to every user of the machine in `ps`, a file can be readable by its owner only), else from SLICERREG_TOKEN.
/// Messages about a token never contain it.
/// </summary>
public static class AccessToken
{
    public const string EnvironmentVariable = "SLICERREG_TOKEN";
    public const int MinimumLength = 16;

    public static string? Resolve(string? token, string? tokenFile)
    {
        if (token != null && tokenFile != null) throw new ArgumentException("give --token or --token-file, not both");
        if (tokenFile != null) return ReadFile(tokenFile);
        if (token != null) return token;
        string? environment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrEmpty(environment) ? null : environment;
    }

    /// <summary>The token in a file: its first line, surrounding whitespace removed.</summary>
    public static string ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--token-file {path}: no such file", path);
        string text;
        using (var reader = new StreamReader(path)) text = (reader.ReadLine() ?? "").Trim();
        if (text.Length == 0) throw new InvalidDataException($"--token-file {path}: the file is empty (expected the token on its first line)");
        return text;
    }

    /// <summary>Why a token cannot be used, or null: it travels in an HTTP/2 header, so printable ASCII without spaces.</summary>
    public static string? Problem(string token)
    {
        if (token.Length < MinimumLength) return $"the token must be at least {MinimumLength} characters (it has {token.Length}; e.g. `openssl rand -hex 16`)";
        if (token.Any(c => c < '!' || c > '~')) return "the token must be printable ASCII without spaces (it travels in an HTTP header)";
        return null;
    }
}
