using SlicerReg.Cli;
using SlicerReg.Cli.Commands;
using SlicerReg.Core.IO;

// `slicerreg VERB ...`: exit 0 on success, 1 on a failure of the work (message on stderr), 2 on a wrong command line.
var commands = new ICommand[] { new InfoCommand(), new ConvertCommand(), new VersionCommand(), new DrrCommand(), new BenchCommand(), new PhantomCommand(), new SimulateCommand(), new TrainCommand(), new ReproduceCommand(), new RegisterCommand(), new EvaluateCommand(), new DemoCommand(), new ServeCommand(), new SubmitCommand() };

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("slicerreg: 2D/3D registration of a femur atlas to biplanar radiographs\n\nverbs:");
    foreach (var c in commands) Console.WriteLine($"  {c.Name,-10} {c.Summary}\n             {c.Usage}");
    return args.Length == 0 ? 2 : 0;
}
var command = commands.FirstOrDefault(c => c.Name == args[0]);
if (command is null)
{
    Console.Error.WriteLine($"slicerreg: unknown verb '{args[0]}' (try: {string.Join(", ", commands.Select(c => c.Name))})");
    return 2;
}
try
{
    var parsed = new Arguments(args.Skip(1), new HashSet<string>(command.Flags) { "help" });
    if (parsed.Flag("help")) { Console.WriteLine(command.Usage); return 0; }
    return command.Run(parsed, Console.Out);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"slicerreg {command.Name}: {e.Message}\nusage: {command.Usage}");
    return 2;
}
catch (ImageFormatException e)
{
    Console.Error.WriteLine($"slicerreg {command.Name}: {e.Message}");
    return 1;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
{
    Console.Error.WriteLine($"slicerreg {command.Name}: {e.Message}");
    return 1;
}
