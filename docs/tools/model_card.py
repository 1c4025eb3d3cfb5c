#!/usr/bin/python3
"""Writes a shipped model's card (card.json + MODEL_CARD.md) from the files the CLI wrote; no number is typed by hand.

    /usr/bin/python3 docs/tools/model_card.py --name femur-tiny --model TRAIN_OUT --train-data DATA \
        --eval orthogonal=EVAL_DIR:TEST_DATA --eval generalised=EVAL_DIR:TEST_DATA \
        --train-command "slicerreg train ..." --wall-seconds S --stopped "why training stopped" --machine "..."

TRAIN_OUT is `slicerreg train --out` (training.json, loss.csv; the shipped network is TRAIN_OUT/best), DATA and TEST_DATA
are `slicerreg simulate` folders (their manifest.json records the command line), EVAL_DIR is `slicerreg evaluate --out`
(cases.csv, summary.json, plots). It copies network.json, weights.dat and the atlas of TRAIN_OUT/best, each evaluation's
cases.csv, and the figures into docs/images/model_NAME_*.png.
"""
import argparse
import csv
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
METRICS = [("dice", "Dice", 4), ("jaccard", "Jaccard", 4), ("assd_mm", "ASSD (mm)", 2), ("hd95_mm", "HD95 (mm)", 2), ("ssim", "SSIM", 4)]
METHODS = [("identity", "identity (atlas as it is)"), ("affine", "affine module only"), ("full", "full network")]


def read_json(path):
    with open(path) as f:
        return json.load(f)


def command_of(data_folder, out_name):
    """The simulate command line recorded in the dataset's manifest, with --out made a plain name."""
    cmd = list(read_json(os.path.join(data_folder, "manifest.json"))["settings"]["command"])
    cmd[cmd.index("--out") + 1] = out_name
    return [c for c in cmd if c != "--quiet"]


def split_counts(data_folder):
    counts = {}
    for s in read_json(os.path.join(data_folder, "manifest.json"))["subjects"]:
        counts[s["split"]] = counts.get(s["split"], 0) + 1
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--train-data", required=True)
    ap.add_argument("--eval", action="append", required=True, help="NAME=EVAL_DIR:TEST_DATA")
    ap.add_argument("--train-command", required=True)
    ap.add_argument("--wall-seconds", type=float, required=True)
    ap.add_argument("--stopped", required=True)
    ap.add_argument("--machine", required=True)
    ap.add_argument("--notes", default="")
    ap.add_argument("--default", action="store_true", help="the model `demo`, the daemon and the Slicer module use by default")
    ap.add_argument("--evaluate-options", default="", help="options given to every `slicerreg evaluate` run, e.g. \"--output-grid paper\"")
    a = ap.parse_args()

    dest = os.path.join(ROOT, "atlas", "models", a.name)
    images = os.path.join(ROOT, "docs", "images")
    os.makedirs(dest, exist_ok=True)
    best = os.path.join(a.model, "best")
    for f in ["network.json", "weights.dat", "atlas.nrrd", "atlas_label.nrrd"]:
        shutil.copyfile(os.path.join(best, f), os.path.join(dest, f))
    network = read_json(os.path.join(best, "network.json"))
    state = read_json(os.path.join(a.model, "training.json"))
    best_state = read_json(os.path.join(best, "training.json"))

    with open(os.path.join(a.model, "loss.csv")) as f:
        rows = list(csv.DictReader(f))
    last_epoch = max(int(r["epoch"]) for r in rows)
    last = [r for r in rows if int(r["epoch"]) == last_epoch]
    mean = lambda key, rs: sum(float(r[key]) for r in rs) / len(rs)
    final = {"epoch": last_epoch + 1, "steps": len(last), "loss": mean("loss", last), "nccAffine": mean("ncc_affine", last),
             "nccLocal": mean("ncc_local", last), "smoothness": mean("smoothness", last)}
    first = [r for r in rows if int(r["epoch"]) == 0]
    initial = {"loss": mean("loss", first), "nccAffine": mean("ncc_affine", first), "nccLocal": mean("ncc_local", first)}

    shutil.copyfile(os.path.join(a.model, "loss_curve.png"), os.path.join(images, f"model_{a.name}_loss.png"))
    if os.path.exists(os.path.join(a.model, "validation_dice.png")):
        shutil.copyfile(os.path.join(a.model, "validation_dice.png"), os.path.join(images, f"model_{a.name}_validation_dice.png"))

    counts = split_counts(a.train_data)
    card = {
        "format": "slicerreg-model-card", "version": 1, "name": a.name, "default": a.default,
        "preset": network["preset"], "input": network.get("input", "masked"),
        "files": {"network": "network.json", "weights": "weights.dat", "atlas": "atlas.nrrd", "atlasLabel": "atlas_label.nrrd",
                  "atlasSource": f"atlas/{network['preset']}/"},
        "weightsBytes": os.path.getsize(os.path.join(dest, "weights.dat")),
        "training": {
            "data": {"command": command_of(a.train_data, "train-data"), "seed": read_json(os.path.join(a.train_data, "manifest.json"))["settings"]["seed"],
                     "train": counts.get("train", 0), "validation": counts.get("validation", 0)},
            "command": a.train_command.split(),
            "learningRate": state["learningRate"], "seed": state["seed"],
            "epochsCompleted": state["epochsDone"], "stepsCompleted": state["step"],
            "bestEpoch": state["bestEpoch"] + 1, "stepsAtBest": best_state["step"], "bestValidationDice": state["bestDice"],
            "history": state["history"],
            "wallSeconds": a.wall_seconds, "epochSecondsSum": sum(h["seconds"] for h in state["history"]),
            "stopped": a.stopped, "machine": a.machine,
            "initialEpochMeans": initial, "finalEpochMeans": final,
        },
        "evaluation": [],
        "notes": a.notes,
    }
    for spec in a.eval:
        name, rest = spec.split("=", 1)
        eval_dir, data = rest.split(":", 1)
        cases = "cases.csv" if name == "orthogonal" else f"cases_{name}.csv"
        shutil.copyfile(os.path.join(eval_dir, "cases.csv"), os.path.join(dest, cases))
        summary = read_json(os.path.join(eval_dir, "summary.json"))["summary"]
        figs = {}
        for png in sorted(os.listdir(eval_dir)):
            if png in ("boxplot_dice.png", "boxplot_assd.png", "boxplot_hd95.png", "heatmap_dice_full.png"):
                target = f"model_{a.name}_{name}_{png}"
                shutil.copyfile(os.path.join(eval_dir, png), os.path.join(images, target))
                figs[png[:-4]] = f"docs/images/{target}"
        card["evaluation"].append({
            "name": name, "cases": cases, "subjects": split_counts(data).get("test", 0),
            "simulate": command_of(data, f"test-{name}"),
            "evaluate": ["slicerreg", "evaluate", "--data", f"test-{name}", "--model", f"atlas/models/{a.name}", "--out", f"eval-{name}"] + a.evaluate_options.split(),
            "summary": {m: {k: {s: summary[m][k][s] for s in ("mean", "sd", "median", "min", "max", "n")} for k, _, _ in METRICS + [("hausdorff_mm", "", 0)]}
                        for m, _ in METHODS if m in summary},
            "figures": figs,
        })
    with open(os.path.join(dest, "card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    with open(os.path.join(dest, "MODEL_CARD.md"), "w") as f:
        f.write(markdown(card))
    print(f"wrote {dest}")


def markdown(c):
    t = c["training"]
    rel = "../../../"
    lines = [
        f"# Model card: {c['name']}",
        "",
        ("The default model of `slicerreg demo`, the daemon and the Slicer module" if c.get("default") else "A shipped model") +
        " (give it to `register --model`, or serve it with `serve --models atlas/models`): the registration network of Van Houtte et al. 2022 at the "
        f"**{c['preset']}** preset (docs/training.md), input **{c['input']}** DRRs, trained by `slicerreg train` on the synthetic population "
        f"(docs/population.md). Weights: {c['weightsBytes'] / 1e6:.1f} MB. Atlas: `{c['files']['atlasSource']}` (atlas.nrrd and atlas_label.nrrd "
        "here are copies of it, voxel for voxel, so the folder is self-contained). "
        "Everything below was written by `docs/tools/model_card.py` from the files the CLI wrote; `card.json` holds the same numbers and "
        "`cases.csv` the per-case results (a test re-runs `slicerreg evaluate` on the first subjects and compares).",
        "",
        "## Training",
        "",
        f"- Data: `{' '.join(t['data']['command'])}` — {t['data']['train']} training and {t['data']['validation']} validation subjects (seed {t['data']['seed']}).",
        f"- Command: `{' '.join(t['command'])}` (lr {t['learningRate']:g}, seed {t['seed']}).",
        f"- Ran {t['epochsCompleted']} epochs, {t['stepsCompleted']} steps (batch 1) in {t['wallSeconds'] / 60:.0f} min wall clock on {t['machine']}; {t['stopped']}",
        f"- Shipped: the best epoch by validation Dice (`MODEL/best`), epoch {t['bestEpoch']} ({t['stepsAtBest']} steps), validation Dice {t['bestValidationDice']:.4f}.",
        f"- Loss (Eq. 4, mean over an epoch): first epoch {t['initialEpochMeans']['loss']:.5f} (NCC affine {t['initialEpochMeans']['nccAffine']:.4f}, local {t['initialEpochMeans']['nccLocal']:.4f}); "
        f"last epoch {t['finalEpochMeans']['loss']:.5f} (NCC affine {t['finalEpochMeans']['nccAffine']:.4f}, local {t['finalEpochMeans']['nccLocal']:.4f}, smoothness {t['finalEpochMeans']['smoothness']:.3g}).",
        "",
        "| epoch | steps | mean train loss | validation Dice (affine) | validation Dice (full) | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for h in t["history"]:
        lines.append(f"| {h['epoch'] + 1} | {h['step']} | {h['trainLoss']:.5f} | {h['validationDiceAffine']:.4f} | {h['validationDice']:.4f} | {h['seconds']:.0f} |")
    lines += ["", f"![loss curve]({rel}docs/images/model_{c['name']}_loss.png)",
              f"![validation Dice]({rel}docs/images/model_{c['name']}_validation_dice.png)", ""]
    for e in c["evaluation"]:
        lines += [
            f"## Held-out results: {e['name']} test set ({e['subjects']} subjects)",
            "",
            f"`{' '.join(e['simulate'])}`, then `{' '.join(e['evaluate'])}`. Mean ± sd (median); femur label; SSIM of the masked volumes. "
            + ("Scored on the paper's 192×128×192 grid (0.664 × 0.664 × 1 mm) against the simulation's own paper-grid truth, Ψ upsampled to it."
               if "--output-grid" in e["evaluate"] and e["evaluate"][e["evaluate"].index("--output-grid") + 1] == "paper" else "Scored on the model's own grid."),
            "",
            "| method | " + " | ".join(label for _, label, _ in METRICS) + " |",
            "|---|" + "---|" * len(METRICS),
        ]
        for m, label in METHODS:
            if m not in e["summary"]:
                continue
            cells = []
            for k, _, d in METRICS:
                s = e["summary"][m][k]
                cells.append(f"{s['mean']:.{d}f} ± {s['sd']:.{d}f} ({s['median']:.{d}f})")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
        for key, path in e["figures"].items():
            if key in ("boxplot_dice", "boxplot_assd", "boxplot_hd95", "heatmap_dice_full"):
                lines.append(f"![{e['name']} {key}]({rel}{path})")
        lines.append("")
    if c.get("notes"):
        lines += ["## Notes", "", c["notes"], ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
