using System.Diagnostics;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Evaluation;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Training;

namespace SlicerReg.Engine.Ablation;

/// <summary>
/// The paper's "Ablation study" (Table 2) end to end: simulates one training/validation dataset (DIR/data) and one test set
/// (DIR/test), trains every <see cref="AblationVariant"/> with the same budget (<see cref="Trainer"/>, DIR/VARIANT/model),
/// scores its best epoch on the test set (<see cref="DatasetEvaluator"/>, DIR/VARIANT/eval) and writes the table
/// (<see cref="AblationTable"/>). Running it again resumes: finished datasets, trainings and evaluations are reused (a
/// training cut short continues from its checkpoint with the trainer's resume), so only what is missing is computed.
/// </summary>
public static class AblationStudy
{
    public const string DataFolder = "data", TestFolder = "test", ModelFolderName = "model", EvaluationFolder = "eval";
    /// <summary>Written into VARIANT/eval with the evaluation: what was scored and how long it took.</summary>
    public const string EvaluationRecordFileName = "ablation.json";

    public static IReadOnlyList<AblationResult> Run(AblationOptions options, Action<string>? log = null,
                                                    Action<AblationVariant, TrainingProgress>? steps = null, CancellationToken cancel = default)
    {
        options.Validate();
        var preset = NetworkPreset.Named(options.Preset);
        string root = options.OutputFolder;
        Directory.CreateDirectory(root);
        var (atlasCt, atlasLabel) = ShippedAtlas.Find(preset.Name);

        int trainAndValidation = options.TrainCount + options.ValidationCount;
        string data = Dataset(Path.Combine(root, DataFolder), options, options.Seed, trainAndValidation,
                              new[] { (double)options.TrainCount / trainAndValidation, (double)options.ValidationCount / trainAndValidation, 0 },
                              (options.TrainCount, options.ValidationCount, 0), log);
        string test = Dataset(Path.Combine(root, TestFolder), options, options.TestSeed, options.TestCount, new double[] { 0, 0, 1 },
                              (0, 0, options.TestCount), log);
        var testManifest = DatasetManifest.Read(test);

        var results = new List<AblationResult>();
        var baseConfig = NetworkConfig.For(preset) with { NccWindow = options.NccWindow, Seed = options.Seed };
        for (int n = 0; n < AblationVariant.All.Count; n++)
        {
            cancel.ThrowIfCancellationRequested();
            var variant = AblationVariant.All[n];
            string folder = Path.Combine(root, variant.Name), model = Path.Combine(folder, ModelFolderName), eval = Path.Combine(folder, EvaluationFolder);
            string label = $"[{n + 1}/{AblationVariant.All.Count}] {variant.Name}";
            var config = variant.Configure(baseConfig);

            var state = Train(variant, config, options, data, model, eval, atlasCt, atlasLabel, label, log, steps, cancel);
            if (!Directory.Exists(eval)) Evaluate(model, eval, testManifest, options, label, log, cancel);
            else log?.Invoke($"{label}: already evaluated ({eval})");

            var result = Result(variant, config, state, eval, atlasCt, testManifest);
            log?.Invoke(FormattableString.Invariant($"{label}: test Dice {result.Dice.Mean:F4} ± {result.Dice.StandardDeviation:F4}, ASSD {result.AssdMm.Mean:F2} mm, HD95 {result.Hd95Mm.Mean:F2} mm"));
            results.Add(result);
        }
        AblationTable.WriteCsv(Path.Combine(root, AblationTable.CsvFileName), results);
        AblationTable.WriteMarkdown(Path.Combine(root, AblationTable.MarkdownFileName), options, results);
        return results;
    }

    /// <summary>The dataset in <paramref name="folder"/>: reused when its manifest records these settings, else simulated.</summary>
    static string Dataset(string folder, AblationOptions o, int seed, int count, double[] split, (int Train, int Validation, int Test) expected, Action<string>? log)
    {
        string manifestPath = Path.Combine(folder, DatasetManifest.FileName);
        if (File.Exists(manifestPath))
        {
            var existing = DatasetManifest.Read(folder);
            var s = existing.Settings;
            bool same = (int?)s["seed"] == seed && (int?)s["count"] == count && (string?)s["views"] == DatasetViews.Name(o.Views)
                        && (string?)s["grid"]?["preset"] == o.Preset && (string?)s["source"] == "phantom" && existing.Failures.Count == 0
                        && Counts(existing) == expected;
            if (!same)
                throw new IOException($"{folder} holds another dataset than this study asks for ({count} subjects, seed {seed}, {DatasetViews.Name(o.Views)} views, " +
                                      $"{o.Preset} preset); give another --out or the settings it was made with (its manifest.json has them)");
            log?.Invoke($"dataset {folder}: reused ({count} subjects)");
            return folder;
        }
        // No manifest: nothing or a simulation cut short (the manifest is written last); start the folder again.
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            log?.Invoke($"dataset {folder}: incomplete (no {DatasetManifest.FileName}), simulating it again");
            Directory.Delete(folder, recursive: true);
        }
        log?.Invoke($"dataset {folder}: simulating {count} subjects (seed {seed})");
        var manifest = DatasetSimulator.Run(new DatasetOptions
        {
            OutputFolder = folder, Count = count, Seed = seed, Views = o.Views, Subjects = new SubjectOptions { Preset = NetworkPreset.Named(o.Preset) },
            SplitFractions = split, Command = o.Command,
        });
        if (manifest.Failures.Count > 0)
            throw new InvalidOperationException($"dataset {folder}: {manifest.Failures.Count} subjects failed, first {manifest.Failures[0].Id}: {manifest.Failures[0].File}: {manifest.Failures[0].Problem}");
        if (Counts(manifest) != expected) throw new InvalidOperationException($"dataset {folder}: split {Counts(manifest)} instead of {expected}");
        return folder;
    }

    static (int, int, int) Counts(DatasetManifest m) => (m.Split("train").Count, m.Split("validation").Count, m.Split("test").Count);

    /// <summary>Trains the variant, resumes it, or returns its finished state; a training that runs makes the old evaluation stale.</summary>
    static TrainingState Train(AblationVariant variant, NetworkConfig config, AblationOptions o, string data, string model, string eval,
                               string atlasCt, string atlasLabel, string label, Action<string>? log,
                               Action<AblationVariant, TrainingProgress>? steps, CancellationToken cancel)
    {
        string statePath = Path.Combine(model, TrainingState.FileName);
        bool resume = File.Exists(statePath);
        if (resume)
        {
            var saved = NetworkConfig.Load(Path.Combine(model, RegistrationNetwork.ConfigFileName));
            if (!variant.Matches(saved) || saved.EffectiveNccWindow != config.EffectiveNccWindow || saved.Preset != config.Preset)
                throw new IOException($"{model} holds another network than '{variant.Name}' with NCC window {o.NccWindow} at the {o.Preset} preset; give another --out");
            var state = TrainingState.Read(statePath);
            // Checked here, not only by the trainer's resume: a finished network is reused without the trainer.
            if (state.LearningRate != o.LearningRate || state.Seed != o.Seed)
                throw new IOException(FormattableString.Invariant($"{model} was trained with learning rate {state.LearningRate} and seed {state.Seed}, not {o.LearningRate} and {o.Seed}; equal budgets need the same settings (or another --out)"));
            if (state.EpochsDone > o.Epochs)
                throw new IOException($"{model} was trained {state.EpochsDone} epochs, more than --epochs {o.Epochs}; equal budgets need the same --epochs (or another --out)");
            if (state.EpochsDone == o.Epochs && state.StepInEpoch == 0)
            {
                log?.Invoke($"{label}: already trained ({state.EpochsDone} epochs, {state.Step} steps)");
                return state;
            }
            log?.Invoke($"{label}: resuming training at epoch {state.EpochsDone + 1}, step {state.Step + 1}");
        }
        else
        {
            // A model folder without training.json was cut short before its first checkpoint: start it again.
            if (Directory.Exists(model)) Directory.Delete(model, recursive: true);
            log?.Invoke($"{label}: training {o.Epochs} epochs ({variant.Title})");
        }
        if (Directory.Exists(eval)) Directory.Delete(eval, recursive: true); // scored a model that is about to change
        var options = new TrainingOptions
        {
            DataFolder = data, ModelFolder = model, AtlasCt = atlasCt, AtlasLabel = atlasLabel, Preset = o.Preset, Epochs = o.Epochs,
            LearningRate = o.LearningRate, Seed = o.Seed, Input = NetworkConfig.Masked, Resume = resume, Device = o.Device, Network = config,
        };
        var final = Trainer.Run(options, p => steps?.Invoke(variant, p), cancel);
        log?.Invoke(FormattableString.Invariant($"{label}: trained {final.EpochsDone} epochs ({final.Step} steps) in {final.History.Sum(e => e.Seconds):F0} s; best validation Dice {final.BestDice:F4} at epoch {final.BestEpoch + 1}"));
        return final;
    }

    /// <summary>Scores the model's best epoch on the test set into a temporary folder renamed to <paramref name="eval"/> when whole.</summary>
    static void Evaluate(string model, string eval, DatasetManifest test, AblationOptions o, string label, Action<string>? log, CancellationToken cancel)
    {
        log?.Invoke($"{label}: scoring the best epoch on {test.Split("test").Count} test subjects");
        string tmp = Path.Combine(Path.GetDirectoryName(eval)!, "." + Path.GetFileName(eval) + ".tmp");
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        var clock = Stopwatch.StartNew();
        using (var registrar = Registrar.Load(model, o.Device))
        {
            var options = new EvaluationOptions { Split = "test", Methods = DatasetEvaluator.DefaultMethods, ScoreGrid = OutputGrid.Model, Device = o.Device };
            var evaluation = DatasetEvaluator.Run(test, registrar, options, cancel: cancel);
            evaluation.Write(tmp);
            var record = new JObject
            {
                ["model"] = Path.GetFullPath(registrar.Folder), ["testSet"] = Path.GetFullPath(test.Folder!),
                ["evaluationSeconds"] = clock.Elapsed.TotalSeconds,
            };
            var bytes = System.Text.Encoding.UTF8.GetBytes(record.ToString() + "\n");
            AtomicFile.Write(Path.Combine(tmp, EvaluationRecordFileName), s => s.Write(bytes));
        }
        Directory.Move(tmp, eval);
    }

    /// <summary>The variant's row, read from the files its training and evaluation wrote (the same whether they ran now or before).</summary>
    static AblationResult Result(AblationVariant variant, NetworkConfig config, TrainingState state, string eval, string atlasCt, DatasetManifest test)
    {
        string summaryPath = Path.Combine(eval, "summary.json");
        if (!File.Exists(summaryPath)) throw new ImageFormatException(summaryPath, "evaluation summary missing");
        var summary = JObject.Parse(File.ReadAllText(summaryPath))["summary"] ?? throw new ImageFormatException(summaryPath, "no \"summary\"");
        MetricSummary Of(string method, string metric)
        {
            var s = summary[method]?[metric] as JObject ?? throw new ImageFormatException(summaryPath, $"no {metric} of {method}");
            static double D(JToken? t) => t is null || t.Type == JTokenType.Null ? double.NaN : (double)t;
            return new MetricSummary((int)s["n"]!, (int)s["undefined"]!, D(s["mean"]), D(s["sd"]), D(s["median"]), D(s["min"]), D(s["max"]));
        }
        string recordPath = Path.Combine(eval, EvaluationRecordFileName);
        double evalSeconds = File.Exists(recordPath) ? (double?)JObject.Parse(File.ReadAllText(recordPath))["evaluationSeconds"] ?? double.NaN : double.NaN;
        return new AblationResult(variant, ParameterCount(config, atlasCt, test), state.Step, state.BestEpoch, state.BestDice,
            Of(DatasetEvaluator.Full, "dice"), Of(DatasetEvaluator.Full, "assd_mm"), Of(DatasetEvaluator.Full, "hd95_mm"),
            Of(DatasetEvaluator.Affine, "dice"), Of(DatasetEvaluator.Identity, "dice"), state.History.Sum(e => e.Seconds), evalSeconds);
    }

    /// <summary>Weights of the network <paramref name="config"/> builds (the ablations that remove layers have fewer), on the views of the first test subject.</summary>
    static long ParameterCount(NetworkConfig config, string atlasCt, DatasetManifest test)
    {
        var subject = test.Split("test")[0];
        CalibratedView View(string name)
        {
            string path = test.PathOf(subject.Views.First(v => v.View.Name == name).MaskedDrr);
            return NetworkInputs.ToNetworkDetector(Radiograph.Read(path), config.PresetValue, path).View;
        }
        using var net = new RegistrationNetwork(config, VolumeFile.Read(atlasCt).Geometry, new ViewPair(View("ap"), View("lateral")));
        return net.parameters().Sum(p => p.numel());
    }
}
