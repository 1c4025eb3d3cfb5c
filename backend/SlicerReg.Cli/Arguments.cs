namespace SlicerReg.Cli;

/// <summary>A command line after the verb: positional arguments, "--name value" options and "--flag" switches.</summary>
public sealed class Arguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    public List<string> Positional { get; } = new();

    /// <param name="flags">Option names that take no value.</param>
    public Arguments(IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        var list = args.ToList();
        for (int n = 0; n < list.Count; n++)
        {
            string a = list[n];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..]; string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
                else if (!flags.Contains(name))
                {
                    if (n + 1 >= list.Count) throw new UsageException($"option --{name} needs a value");
                    value = list[++n];
                }
                if (_options.ContainsKey(name)) throw new UsageException($"option --{name} given twice");
                _options[name] = value;
            }
            else Positional.Add(a);
        }
    }

    public bool Flag(string name) { _used.Add(name); return _options.ContainsKey(name); }
    public string? Option(string name) { _used.Add(name); return _options.TryGetValue(name, out var v) ? v : null; }

    /// <summary>Fails on options the command did not ask about, so a typo is never silently ignored.</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new UsageException($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}

/// <summary>The command line itself is wrong (exit code 2, usage shown).</summary>
public sealed class UsageException(string message) : Exception(message);
