using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Pipeline;
using SlicerReg.Engine.Refinement;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg register`: registers a trained model's atlas to an AP and a lateral radiograph and writes the warped atlas,
/// its label map, the displacement field, the affine transform and overlays (docs/training.md).
/// </summary>
public sealed class RegisterCommand : ICommand
{
    public string Name => "register";
    public string Summary => "register the atlas of a trained model to two calibrated radiographs";
    public string Usage => "slicerreg register --ap AP --lat LAT [--ap-view V.json|ap|lateral|dicom --lat-view V.json|ap|lateral|dicom] --model MODEL|none --out DIR [--device cpu|cuda]\n" +
                           $"             {RefineArguments.Usage}\n" +
                           $"             {RadiographArguments.Usage}\n" +
                           "             [" + DaemonArguments.Usage + "]\n" +
                           "             with --server: on a running daemon, MODEL = a model name it lists; every option above travels\n" +
                           "             (protocol revision 5) except --output-grid FILE and --device\n" +
                           "             --model none needs --refine (refinement from the unregistered atlas); --output-grid defaults to paper (atlas/paper/)";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string>(DaemonArguments.Flags.Concat(RefineArguments.Flags));

    public int Run(Arguments args, TextWriter stdout)
    {
        string ap = args.Option("ap") ?? throw new UsageException("--ap FILE is required");
        string lat = args.Option("lat") ?? throw new UsageException("--lat FILE is required");
        string? apView = args.Option("ap-view"), latView = args.Option("lat-view");
        string model = args.Option("model") ?? throw new UsageException("--model MODEL is required");
        string outDir = args.Option("out") ?? throw new UsageException("--out DIR is required");
        string device = args.Option("device") ?? "cpu";
        var server = DaemonArguments.Read(args);
        var refine = RefineArguments.Parse(args);
        var radiographs = RadiographArguments.Parse(args);
        args.RejectUnknown();
        if (server != null && refine.OutputGridChoice is { } grid && grid != OutputGrid.Model && grid != OutputGrid.Paper)
            throw new UsageException($"--output-grid {grid}: with --server only model or paper (an atlas FILE is not sent to the daemon: run register locally for it)");
        if (server != null && model == "none") throw new UsageException("--model none runs locally only (a daemon serves trained models: give one of the names it lists)");
        if (model == "none" && !refine.Refine) throw new UsageException("--model none registers nothing by itself: add --refine (refinement from the unregistered atlas)");
        if (server != null && args.Option("device") != null) throw new UsageException("--device is the daemon's choice (slicerreg serve --device) when --server is given");
        if (args.Positional.Count != 0) throw new UsageException($"register takes no positional arguments (got '{args.Positional[0]}')");
        if ((apView is null) != (latView is null)) throw new UsageException("give both --ap-view and --lat-view, or neither (the views stored in the radiograph files are used)");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new IOException($"output folder {outDir} is not empty (results are written into a new or empty folder)");

        var (apImage, latImage) = ReadPair(ap, apView, lat, latView, stdout.WriteLine);
        var inputs = radiographs.Inputs(apImage, latImage, refine);
        if (server != null)
        {
            var remote = RemoteRegistration.Run(server, model, (apImage, VolumeFile.Read(ap).Metadata), (latImage, VolumeFile.Read(lat).Metadata), inputs, outDir, stdout);
            stdout.WriteLine($"registered on {server.Address} with model {model}; wrote {string.Join(", ", remote.Select(Path.GetFileName))} to {outDir}");
            return 0;
        }
        var prepared = RadiographArguments.Prepare(apImage, ap, latImage, lat, inputs, stdout);
        var outputGrid = OutputGrid.Resolve(refine.OutputGridChoice);
        using var registrar = model == "none" ? null : Registrar.Load(model, device);
        var run = RegistrationPipeline.Run(prepared, registrar, outputGrid, device, refineProgress: RefineArguments.Printer(stdout));
        if (run.Refinement != null) RefineArguments.PrintSummary(stdout, run.Refinement);
        var files = RegistrationFiles.Write(outDir, run.Result).ToList();
        files.Add(PreparedPair.WriteReport(outDir, prepared.ReportJson()));
        if (run.Refinement != null) files.AddRange(RefinedRegistration.WriteReport(outDir, refine.Grid, refine.Options, run.Refinement, prepared.LateralInAtlas.View));
        string by = registrar?.Folder ?? "the unregistered atlas";
        stdout.WriteLine($"registered with {by}{(run.Refinement != null ? $", refined on the {refine.Grid} grid" : "")}, output grid {outputGrid.Name}; " +
                         $"wrote {string.Join(", ", files.Select(Path.GetFileName))} to {outDir}");
        return 0;
    }

    /// <summary>
    /// Both radiographs, checked as the daemon and the Slicer bridge check them (<see cref="RadiographValidation"/>); errors name
    /// the file. <paramref name="say"/> gets a line for each view derived from DICOM attributes.
    /// </summary>
    public static (Radiograph Ap, Radiograph Lateral) ReadPair(string ap, string? apView, string lat, string? latView, Action<string>? say = null)
    {
        var pair = (ReadRadiograph(ap, apView, "AP", say), ReadRadiograph(lat, latView, "lateral", say));
        RadiographValidation.Check(pair.Item1, ap, pair.Item2, lat);
        return pair;
    }

    /// <summary>
    /// A radiograph file with its stored calibration, or any single-slice image with the view of <paramref name="viewFile"/>:
    /// a view JSON, a preset, or <see cref="DicomView.Keyword"/> for the view of a DICOM file's C-arm attributes.
    /// </summary>
    public static Radiograph ReadRadiograph(string path, string? viewFile, string what = "radiograph", Action<string>? say = null)
    {
        if (viewFile is null) return Radiograph.Read(path);
        var volume = VolumeFile.Read(path);
        if (viewFile.Trim().Equals(DicomView.Keyword, StringComparison.OrdinalIgnoreCase) && !File.Exists(viewFile))
        {
            if (!volume.Metadata.ContainsKey(DicomImage.TransferSyntaxKey))
                throw new ImageFormatException(path, $"view \"{DicomView.Keyword}\" derives the view from DICOM attributes, but this is not a DICOM file");
            var (view, description) = DicomView.FromMetadata(volume.Metadata, volume.Size.I, volume.Size.J, path);
            say?.Invoke($"{what} {description}");
            return Radiograph.FromVolume(volume, view, path, $"from {path}'s DICOM attributes");
        }
        return Radiograph.FromVolume(volume, ViewFile.Load(viewFile), path, viewFile);
    }
}
