using System.Diagnostics;

namespace SlicerReg.Tests.Common;

/// <summary>Runs an independent program (plastimatch, Debian's python3) and returns its output; fails the test with its stderr otherwise.</summary>
public static class ExternalTool
{
    /// <summary>Debian's python3 (the pyenv one on PATH does not see python3-nibabel).</summary>
    public const string Python = "/usr/bin/python3";
    public const string Plastimatch = "plastimatch";

    public static string RepoRoot
    {
        get
        {
            var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (d != null && !File.Exists(Path.Combine(d.FullName, "SlicerReg.sln"))) d = d.Parent;
            return d?.FullName ?? throw new InvalidOperationException("cannot find SlicerReg.sln above the test folder");
        }
    }

    public static string ToolScript(string name) => Path.Combine(RepoRoot, "tests", "tools", name);

    public static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args, int timeoutMs = 120_000, string? workingDirectory = null,
                                                         IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory != null) psi.WorkingDirectory = workingDirectory;
        if (environment != null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"cannot start {file}: {e.Message}. Install it with tests/install-dependencies (tests/run does).");
            throw;
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeoutMs)) { p.Kill(true); Assert.Fail($"{file} {string.Join(' ', args)} timed out"); }
            p.WaitForExit();
            return (p.ExitCode, stdout.Result, stderr.Result);
        }
    }

    /// <summary>Runs and asserts exit code 0.</summary>
    public static string Check(string file, params string[] args)
    {
        var (code, o, e) = Run(file, args);
        if (code != 0) Assert.Fail($"{file} {string.Join(' ', args)} exited {code}:\n{e}\n{o}");
        return o;
    }
}

/// <summary>A fresh folder per test, removed afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "slicerreg-test-" + Guid.NewGuid().ToString("N")[..12]);
    public TempFolder() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch { } }
}
