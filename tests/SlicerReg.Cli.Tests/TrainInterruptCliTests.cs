using System.Diagnostics;
using System.Runtime.InteropServices;
using Newtonsoft.Json.Linq;

namespace SlicerReg.Cli.Tests;

/// <summary>
/// Issue 20: an interrupted-and-resumed run continues from its checkpoint, with the tiny preset standing in for a standard
/// run. `slicerreg train` runs as a real process, gets SIGTERM once its first epoch's checkpoint is on disk (handled as
/// Ctrl-C is; SIGINT itself is ignored by processes started in the background of a non-interactive shell, as a CI runner
/// may start this suite, so it cannot be the signal a test relies on), and `train --resume` finishes it; its weights must
/// be those of an uninterrupted run, byte for byte.
/// </summary>
public class TrainInterruptCliTests
{
    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int signal);
    const int SigTerm = 15;

    string _root = "";

    [OneTimeSetUp] public void Root() => _root = Path.Combine(Path.GetTempPath(), "slicerreg-cli-interrupt-" + Guid.NewGuid().ToString("N")[..8]);
    [OneTimeTearDown] public void Clean() { try { Directory.Delete(_root, true); } catch (IOException) { } }

    // 3 training subjects and 1 validation subject, 2 epochs: 6 steps. Seeded: the dataset, the weights and the order.
    string[] Train(string data, string model) => new[] { "train", "--data", data, "--preset", "tiny", "--out", model, "--epochs", "2", "--lr", "1e-3", "--seed", "7", "--quiet" };

    static JObject? State(string model)
    {
        try { return JObject.Parse(File.ReadAllText(Path.Combine(model, "training.json"))); }
        catch (Exception e) when (e is IOException or Newtonsoft.Json.JsonException) { return null; } // not written yet
    }

    [Test]
    public void ARunInterruptedWithCtrlCAndResumedEndsWithTheWeightsOfAnUninterruptedOne()
    {
        string data = Path.Combine(_root, "ds"), straight = Path.Combine(_root, "straight"), cut = Path.Combine(_root, "cut");
        var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", data, "--count", "4", "--seed", "9", "--views", "orthogonal", "--preset", "tiny", "--split", "0.75,0.25,0");
        Assert.That(code, Is.EqualTo(0), err);
        (code, var text, err) = SlicerRegProcess.Run(Train(data, straight));
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("trained 2 epochs (6 steps)"));

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { SlicerRegProcess.CliDll }.Concat(Train(data, cut))) psi.ArgumentList.Add(a);
        using (var run = Process.Start(psi)!)
        {
            var stdout = run.StandardOutput.ReadToEndAsync();
            var stderr = run.StandardError.ReadToEndAsync();
            // The first checkpoint after a step: the end of epoch 1 (3 steps and the validation of epoch 2 still to go).
            var clock = Stopwatch.StartNew();
            while (!run.HasExited && (State(cut)?["epochsDone"]?.Value<int>() ?? 0) < 1)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(4)) { run.Kill(true); Assert.Fail("no checkpoint after 4 minutes"); }
                Thread.Sleep(20);
            }
            // (The message must not read stderr: that waits for the process to end.)
            Assert.That(run.HasExited, Is.False, "the run ended before it could be interrupted");
            int sent = kill(run.Id, SigTerm), errno = Marshal.GetLastWin32Error();
            Assert.That(sent, Is.EqualTo(0), $"SIGTERM sent (errno {errno})");
            if (!run.WaitForExit(120_000)) { run.Kill(true); Assert.Fail("train did not stop on SIGTERM"); }
            run.WaitForExit();
            TestContext.Out.WriteLine($"interrupted run: exit {run.ExitCode}\n{stdout.Result}{stderr.Result}");
            Assert.That(run.ExitCode, Is.EqualTo(1), "SIGTERM ends train with exit code 1, as Ctrl-C does");
            Assert.That(stderr.Result, Does.Contain("interrupted; checkpoint written").And.Contain("--resume"));
        }
        var stopped = State(cut)!;
        TestContext.Out.WriteLine($"checkpoint at step {stopped["step"]}, epoch {stopped["epochsDone"]} + {stopped["stepInEpoch"]} steps");
        Assert.That(stopped["step"]!.Value<long>(), Is.InRange(3, 5), "stopped in the second epoch, before its end");
        Assert.That(File.ReadAllBytes(Path.Combine(cut, "weights.dat")), Is.Not.EqualTo(File.ReadAllBytes(Path.Combine(straight, "weights.dat"))),
                    "the interrupted run's weights are not yet the finished ones (the comparison below can fail)");

        (code, text, err) = SlicerRegProcess.Run("train", "--data", data, "--out", cut, "--epochs", "2", "--resume", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("trained 2 epochs (6 steps)"));
        foreach (var file in new[] { "weights.dat", "optimizer.dat", "best/weights.dat" })
            Assert.That(File.ReadAllBytes(Path.Combine(cut, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, file))), $"{file}: the same bytes as the uninterrupted run's");
        Assert.That(File.ReadAllLines(Path.Combine(cut, "loss.csv")), Is.EqualTo(File.ReadAllLines(Path.Combine(straight, "loss.csv"))), "the same loss at every step");
    }
}
