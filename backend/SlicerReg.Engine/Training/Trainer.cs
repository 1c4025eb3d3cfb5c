using SlicerReg.Core.Anatomy;
using System.Diagnostics;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Training;

/// <summary>Progress of a run: after each step (<see cref="ValidationDice"/> null) and after each validation.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int StepInEpoch, int StepsPerEpoch, long Step, double Loss,
                                      double NccAffine, double NccLocal, double Smoothness, double? ValidationDice, TimeSpan Elapsed);

/// <summary>
/// Trains the registration network on a simulated dataset (paper, "Training details"): Adam, batch 1, learning rate 10⁻⁵
/// by default, loss Eq. 4 between the masked ground-truth CT and the warped masked atlas, one pass over the shuffled
/// training subjects per epoch (order drawn from the seed and the epoch, so a resumed run sees the same order), the
/// validation Dice of the warped atlas label after each epoch, and the best model by that Dice in MODEL/best ("validation
/// set … for model selection"). The radiographs are the dataset's clean DRRs, its realistic ones or a fixed mix of the two
/// (<see cref="DatasetRadiographs"/>, the same rule for training and validation subjects). Each sample sets the network's view pair (generalised datasets change it every step).
/// A checkpoint (weights, network.json, Adam state, training.json, loss.csv) is written atomically after every epoch and
/// when the run is cancelled, so --resume continues exactly where it stopped.
/// Model folder: network.json, weights.dat, optimizer.dat, training.json, atlas.nrrd, atlas_label.nrrd, loss.csv,
/// loss_curve.png, validation_dice.png, best/ (network.json, weights.dat, training.json, atlas.nrrd, atlas_label.nrrd) — docs/training.md.
/// </summary>
public static class Trainer
{
    public const string OptimizerFileName = "optimizer.dat";

    public static TrainingState Run(TrainingOptions options, Action<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        var manifest = DatasetManifest.Read(options.DataFolder);
        var train = manifest.Split("train");
        var validation = manifest.Split("validation");
        if (train.Count == 0) throw new ArgumentException($"dataset {options.DataFolder} has no training subjects");
        var device = ComputeDevice.Select(options.Device);
        string model = options.ModelFolder;
        if (!options.Resume) DatasetRadiographs.Require(options.Radiographs ?? DatasetRadiographs.Drr, manifest, train.Concat(validation));

        TrainingState state;
        NetworkConfig config;
        Volume atlasCt, atlasLabel;
        if (options.Resume)
        {
            state = TrainingState.Read(Path.Combine(model, TrainingState.FileName));
            config = NetworkConfig.Load(Path.Combine(model, RegistrationNetwork.ConfigFileName));
            void Same<T>(T? given, T stored, string name) where T : struct
            { if (given is { } g && !EqualityComparer<T>.Default.Equals(g, stored)) throw new ArgumentException($"--{name} {g} differs from the checkpoint's {stored} in {model}; a resumed run keeps its settings"); }
            Same(options.LearningRate, state.LearningRate, "lr");
            Same(options.Seed, state.Seed, "seed");
            if (options.Preset is { } p && !string.Equals(p, state.Preset, StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--preset {p} differs from the checkpoint's {state.Preset} in {model}");
            if (options.Input is { } i && i != state.Input) throw new ArgumentException($"--input {i} differs from the checkpoint's {state.Input} in {model}");
            if (options.Radiographs is { } r && r != state.Radiographs) throw new ArgumentException($"--radiographs {r} differs from the checkpoint's {state.Radiographs} in {model}; a resumed run keeps its settings");
            state = state with { Epochs = options.Epochs, DataFolder = Path.GetFullPath(options.DataFolder) };
            DatasetRadiographs.Require(state.Radiographs, manifest, train.Concat(validation));
            (atlasCt, atlasLabel) = ModelFolder.ReadAtlas(model);
        }
        else
        {
            if (Directory.Exists(model) && Directory.EnumerateFileSystemEntries(model).Any())
                throw new IOException($"model folder {model} is not empty (use --resume to continue the run in it, or another --out)");
            var preset = NetworkPreset.Named(options.Preset ?? NetworkPreset.Standard.Name);
            config = (options.Network ?? NetworkConfig.For(preset)) with
            {
                Preset = preset.Name, Input = options.Input ?? NetworkConfig.Masked, Seed = options.Seed ?? 1,
            };
            config.Validate();
            if (options.AtlasCt is null || options.AtlasLabel is null) throw new ArgumentException("a new run needs the atlas CT and its label map");
            atlasCt = VolumeFile.Read(options.AtlasCt);
            atlasLabel = VolumeFile.Read(options.AtlasLabel);
            NetworkInputs.CheckPair(atlasCt, atlasLabel, options.AtlasCt);
            try { preset.CheckGrid(atlasCt.Geometry, $"atlas {options.AtlasCt}"); }
            catch (ArgumentException e) { throw new ImageFormatException(options.AtlasCt, e.Message); }
            state = new TrainingState
            {
                DataFolder = Path.GetFullPath(options.DataFolder), Preset = preset.Name, Input = config.Input, Radiographs = options.Radiographs ?? DatasetRadiographs.Drr,
                LearningRate = options.EffectiveLearningRate, Seed = config.Seed, Epochs = options.Epochs,
            };
        }

        var rows = options.Resume ? LossLog.Read(Path.Combine(model, LossLog.FileName)).Where(r => r.Step <= state.Step).ToList() : new List<LossRow>();
        using var subjects = new DatasetSubjects(manifest, config.PresetValue, config.Input, atlasCt.Geometry, state.Radiographs, state.Seed);
        var first = subjects.Get(train[0], out bool ownedFirst);
        var firstViews = first.Views;
        if (ownedFirst) first.Dispose();

        using var net = options.Resume
            ? RegistrationNetwork.Load(model, atlasCt.Geometry, firstViews)
            : new RegistrationNetwork(config, atlasCt.Geometry, firstViews);
        net.to(device);
        using var adam = optim.Adam(net.parameters(), lr: state.LearningRate);
        if (options.Resume)
        {
            string opt = Path.Combine(model, OptimizerFileName);
            if (!File.Exists(opt)) throw new ImageFormatException(opt, "optimizer state not found; cannot resume exactly");
            using var reader = new BinaryReader(File.OpenRead(opt));
            adam.load_state_dict(reader);
        }
        else
        {
            Directory.CreateDirectory(model);
            ModelFolder.WriteAtlas(model, atlasCt, atlasLabel);
            Checkpoint(model, net, adam, state, rows);
        }

        using var atlas = NetworkInputs.MaskedVolume(atlasCt, atlasLabel, "atlas").to(device);
        using var atlasFemur = NetworkInputs.FemurMask(atlasLabel).to(device);
        var clock = Stopwatch.StartNew();
        while (state.EpochsDone < state.Epochs)
        {
            int epoch = state.EpochsDone;
            var order = Order(train.Count, state.Seed, epoch);
            var epochClock = Stopwatch.StartNew();
            for (int i = state.StepInEpoch; i < train.Count; i++)
            {
                if (cancel.IsCancellationRequested) { Checkpoint(model, net, adam, state with { StepInEpoch = i }, rows); cancel.ThrowIfCancellationRequested(); }
                var row = Step(net, adam, subjects, train[order[i]], atlas, device, state.Step + 1, epoch, cancel,
                               () => Checkpoint(model, net, adam, state with { StepInEpoch = i }, rows));
                rows.Add(row);
                state = state with { Step = state.Step + 1, StepInEpoch = i + 1 };
                progress?.Invoke(new TrainingProgress(epoch, state.Epochs, i + 1, train.Count, state.Step, row.Loss, row.NccAffine, row.NccLocal, row.Smoothness, null, clock.Elapsed));
            }
            double diceAffine = double.NaN, dice = double.NaN;
            try { if (validation.Count > 0) (diceAffine, dice) = Validate(net, subjects, validation, atlas, atlasFemur, device, cancel); }
            catch (OperationCanceledException) { Checkpoint(model, net, adam, state, rows); throw; } // every step of the epoch done; resume validates
            if (rows.Count > 0) rows[^1] = rows[^1] with { ValidationDiceAffine = diceAffine, ValidationDice = dice };
            var epochRows = rows.Where(r => r.Epoch == epoch).ToList(); // includes steps before a resume
            var record = new EpochRecord(epoch, state.Step, epochRows.Count > 0 ? epochRows.Average(r => r.Loss) : double.NaN, diceAffine, dice, epochClock.Elapsed.TotalSeconds);
            bool best = validation.Count == 0 || double.IsNaN(state.BestDice) || dice > state.BestDice;
            state = state with
            {
                EpochsDone = epoch + 1, StepInEpoch = 0, History = state.History.Append(record).ToList(),
                BestDice = best ? dice : state.BestDice, BestEpoch = best ? epoch : state.BestEpoch,
            };
            if (best) SaveBest(model, net, state, atlasCt, atlasLabel);
            Checkpoint(model, net, adam, state, rows);
            progress?.Invoke(new TrainingProgress(epoch, state.Epochs, train.Count, train.Count, state.Step, record.TrainLoss, double.NaN, double.NaN, double.NaN, dice, clock.Elapsed));
        }
        return state;
    }

    /// <summary>Subject order of an epoch: Fisher–Yates from the run's seed and the epoch number.</summary>
    public static int[] Order(int count, long seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var rng = new Random(SeedMixer.Derive(unchecked((int)seed), 1_000_000 + epoch));
        for (int n = count - 1; n > 0; n--) { int k = rng.Next(n + 1); (order[n], order[k]) = (order[k], order[n]); }
        return order;
    }

    static LossRow Step(RegistrationNetwork net, TorchSharp.Modules.OptimizerHelper adam, DatasetSubjects subjects, SubjectEntry subject, Tensor atlas,
                        Device device, long step, int epoch, CancellationToken cancel, Action checkpointBeforeStep)
    {
        var s = subjects.Get(subject, out bool owned);
        try
        {
            using var scope = NewDisposeScope();
            net.Views = s.Views;
            net.train();
            adam.zero_grad();
            using var output = net.forward(atlas, s.Ap.to(device), s.Lateral.to(device));
            using var loss = net.Loss(output, s.Truth.to(device));
            // Cancelled within the step: nothing has changed the weights yet, so the checkpoint is the state before it.
            if (cancel.IsCancellationRequested) { checkpointBeforeStep(); cancel.ThrowIfCancellationRequested(); }
            // A NaN that reaches Adam poisons every weight for good: stop before the step, naming where it came from.
            string input = $"subject {subject.Id}";
            NonFiniteResultException.ThrowIfNonFinite(loss.Total, $"the loss (Eq. 4) at step {step}", input);
            using (EngineProfile.Time("backward")) loss.Total.backward();
            using (EngineProfile.Time("gradient finiteness check"))
            {
                var gradients = net.named_parameters().Where(p => p.parameter.grad is not null).Select(p => (p.name, p.parameter.grad!)).ToList();
                NonFiniteResultException.ThrowIfAnyNonFinite(gradients, name => $"the gradient of {name} at step {step}", input);
            }
            using (EngineProfile.Time("Adam")) adam.step();
            return new LossRow(step, epoch, loss.Total.item<float>(), loss.NccAffine.item<float>(), loss.NccLocal.item<float>(), loss.Smoothness.item<float>());
        }
        finally { if (owned) s.Dispose(); }
    }

    /// <summary>Mean Dice of the atlas femur warped by T (affine module) and by Ψ (full network) against each subject's femur.</summary>
    public static (double Affine, double Full) Validate(RegistrationNetwork net, DatasetSubjects subjects, IReadOnlyList<SubjectEntry> validation,
                                                      Tensor atlas, Tensor atlasFemur, Device device, CancellationToken cancel = default)
    {
        double affine = 0, full = 0;
        net.eval();
        foreach (var subject in validation)
        {
            cancel.ThrowIfCancellationRequested();
            var s = subjects.Get(subject, out bool owned);
            try
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                net.Views = s.Views;
                using var output = net.forward(atlas, s.Ap.to(device), s.Lateral.to(device));
                var truth = s.Femur.to(device);
                full += Dice(net.Warp.WarpLabels(atlasFemur, output.Displacement, 2), truth);
                affine += Dice(net.Warp.WarpLabels(atlasFemur, net.Warp.AffineDisplacement(output.AffineTransform), 2), truth);
            }
            finally { if (owned) s.Dispose(); }
        }
        return (affine / validation.Count, full / validation.Count);
    }

    /// <summary>2|A∩B| / (|A| + |B|) of two 0/1 tensors (1 when both are empty).</summary>
    public static double Dice(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        double inter = (a * b).sum().item<float>(), total = a.sum().item<float>() + b.sum().item<float>();
        return total == 0 ? 1 : 2 * inter / total;
    }

    static void Checkpoint(string model, RegistrationNetwork net, TorchSharp.Modules.OptimizerHelper adam, TrainingState state, IReadOnlyList<LossRow> rows)
    {
        var json = System.Text.Encoding.UTF8.GetBytes(state.ToJson());
        // Weights, Adam state and training state are renamed into place together, after all three are written.
        AtomicFile.WriteAll(new (string, Action<Stream>)[]
        {
            (Path.Combine(model, RegistrationNetwork.WeightsFileName), s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true); net.save(w); }),
            (Path.Combine(model, OptimizerFileName), s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true); adam.save_state_dict(w); }),
            (Path.Combine(model, TrainingState.FileName), s => s.Write(json)),
        });
        net.Config.Save(Path.Combine(model, RegistrationNetwork.ConfigFileName));
        LossLog.Write(Path.Combine(model, LossLog.FileName), rows);
        TrainingPlots.Write(model, rows);
    }

    static void SaveBest(string model, RegistrationNetwork net, TrainingState state, Volume atlasCt, Volume atlasLabel)
    {
        string best = Path.Combine(model, ModelFolder.BestFolder);
        Directory.CreateDirectory(best);
        net.Save(best);
        var json = System.Text.Encoding.UTF8.GetBytes(state.ToJson());
        AtomicFile.Write(Path.Combine(best, TrainingState.FileName), s => s.Write(json));
        if (!File.Exists(Path.Combine(best, ModelFolder.AtlasFileName))) ModelFolder.WriteAtlas(best, atlasCt, atlasLabel);
    }
}
