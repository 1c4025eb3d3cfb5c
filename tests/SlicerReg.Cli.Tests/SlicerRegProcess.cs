using System.Reflection;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>Runs the built `slicerreg` program as a separate process, as a shell user would.</summary>
public static class SlicerRegProcess
{
    public static string CliDll
    {
        get
        {
            string dir = typeof(SlicerRegProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "CliOutputDir").Value!;
            string dll = Path.Combine(dir, "slicerreg.dll");
            if (!File.Exists(dll)) Assert.Fail($"{dll} not found: build backend/SlicerReg.Cli first");
            return dll;
        }
    }

    public static (int Code, string Out, string Err) Run(params string[] args)
        => ExternalTool.Run("dotnet", new[] { CliDll }.Concat(args), timeoutMs: 300_000);

    /// <summary>The same, with these environment variables set.</summary>
    public static (int Code, string Out, string Err) RunWith(IReadOnlyDictionary<string, string> environment, params string[] args)
        => ExternalTool.Run("dotnet", new[] { CliDll }.Concat(args), timeoutMs: 300_000, environment: environment);

    /// <summary>The same, started in <paramref name="workingDirectory"/>.</summary>
    public static (int Code, string Out, string Err) RunIn(string workingDirectory, params string[] args)
        => ExternalTool.Run("dotnet", new[] { CliDll }.Concat(args), timeoutMs: 300_000, workingDirectory: workingDirectory);
}
