namespace SlicerReg.Cli.Commands;

/// <summary>One `slicerreg VERB` command.</summary>
public interface ICommand
{
    string Name { get; }
    string Summary { get; }
    string Usage { get; }
    /// <summary>This command's options that take no value (switches); every other "--name" takes one.</summary>
    IReadOnlySet<string> Flags => new HashSet<string>();
    /// <returns>The process exit code.</returns>
    int Run(Arguments args, TextWriter stdout);
}
