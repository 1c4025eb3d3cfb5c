using SlicerReg.Engine;
using SlicerReg.Engine.Kernels;

namespace SlicerReg.Cli.Commands;

/// <summary>`slicerreg version`: program, runtime and engine versions; loads libtorch, so it doubles as an install check.</summary>
public sealed class VersionCommand : ICommand
{
    public string Name => "version";
    public string Summary => "print versions and check that the torch engine loads";
    public string Usage => "slicerreg version [--device cpu|cuda]";

    public int Run(Arguments args, TextWriter stdout)
    {
        string device = args.Option("device") ?? "cpu";
        args.RejectUnknown();
        stdout.WriteLine($"slicerreg {typeof(VersionCommand).Assembly.GetName().Version}");
        stdout.WriteLine($".NET {Environment.Version} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        var d = ComputeDevice.Select(device);
        stdout.WriteLine(ComputeDevice.Describe());
        stdout.WriteLine($"device: {d}");
        stdout.WriteLine($"CPU: {ProcessorInfo.Describe()}");
        var convolution = ConvolutionBackend.Choice;
        stdout.WriteLine($"convolution path: {convolution.Path} ({convolution.Reason})");
        foreach (var check in convolution.Checks) stdout.WriteLine($"  self-check {check}");
        return 0;
    }
}
