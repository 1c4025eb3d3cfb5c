namespace SlicerReg.Cli.Commands;

/// <summary>One `slicerreg VERB` command.</summary>
public interface ICommand
{
    string Name { get; }
    string Summary { get; }
    string Usage { get; }
    /// <returns>The process exit code.</returns>
    int Run(Arguments args, TextWriter stdout);
}
