#!/usr/bin/env bash
# The issue-16 report (docs/radiographs.md, "The report"): the whole realistic pipeline against the clean-DRR pipeline on
# the same subjects, scored on the paper grid.
#
#   docs/tools/realistic_report.sh DATA OUT [more evaluate options, e.g. --refine-grid tiny]
#
# DATA: a dataset simulated with `--realistic --truth-grid paper` (e.g. refinement_report.sh's OUT/orthogonal, or
#   slicerreg simulate --out DATA --count 40 --seed 1501 --views orthogonal --preset PRESET --split 0,0,1 --truth-grid paper --realistic).
# Two evaluations of its test split: clean (`--radiographs drr`: the masked DRRs, no placement) and realistic
# (`--radiographs realistic`: intensity → line integral → the drawn masks → the atlas frame placed on the simulated ±3 px
# head clicks, triangulated as `register --head` does → network → refinement → results moved back onto the subject).
# Then one Markdown table: pipeline × method, Dice/ASSD/HD95 mean ± sd, the realistic − clean Dice difference per method
# (paired over the subjects), and the clicks' ray distance and placement error (OUT/realistic/placement.csv).
# MODEL (default: the shipped default model, "default": true in atlas/models/*/card.json) names the model; METHODS
# (default full,refined) the methods. SLICERREG names the command (default: this tree's ./slicerreg). CLEAN names an
# evaluation of DATA already made with these options and at least METHODS (e.g. refinement_report.sh's
# OUT/eval-orthogonal): the clean pipeline is then taken from it instead of being evaluated again.
# Heavy: every subject is refined once per refined method and pipeline (about 20–30 s each on the standard refine grid on 2 quiet cores).
# Each step's wall time and the load average go to OUT/times.txt.
set -euo pipefail
data=${1:?usage: realistic_report.sh DATA OUT [evaluate options]}
out=${2:?usage: realistic_report.sh DATA OUT [evaluate options]}
shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
slicerreg="${SLICERREG:-$root/slicerreg}"
source "$root/docs/tools/report_steps.sh"
model="${MODEL:-$root/atlas/models/$(default_model)}"
methods="${METHODS:-full,refined}"
mkdir -p "$out"
machine_record "model $model, data $data, methods $methods"

if [ -n "${CLEAN:-}" ]; then
    ln -sfn "$(cd "$CLEAN" && pwd)" "$out/clean"
else
step evaluate-clean "$slicerreg" evaluate --data "$data" --model "$model" --out "$out/clean" --methods "$methods" --output-grid paper \
    --radiographs drr --placement none --quiet "$@"
fi
step evaluate-realistic "$slicerreg" evaluate --data "$data" --model "$model" --out "$out/realistic" --methods "$methods" --output-grid paper \
    --radiographs realistic --placement head-clicks --quiet "$@"

/usr/bin/python3 - "$out" "$model" "$methods" <<'PY' | tee "$out/report.md"
import csv, json, statistics, sys
out, model, methods = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
def load(p):
    summary = json.load(open(f"{out}/{p}/summary.json"))
    dice = {(r["case"], r["method"]): float(r["dice"]) for r in csv.DictReader(open(f"{out}/{p}/cases.csv"))}
    return summary["summary"], dice
clean, clean_dice = load("clean")
realistic, realistic_dice = load("realistic")
def ms(v, key, digits):
    return f"{v[key]['mean']:.{digits}f} ± {v[key]['sd']:.{digits}f}"
n = clean[methods[0]]["cases"]
print(f"Model {model}, {n} subjects, scored on the paper grid (mean ± sd).\n")
print("| pipeline | method | Dice | ASSD (mm) | HD95 (mm) | n |")
print("|---|---|---|---|---|---|")
for name, s in (("clean (DRRs, no clicks)", clean), ("realistic (intensity, drawn masks, head clicks)", realistic)):
    for m in methods:
        v = s[m]
        print(f"| {name} | {m} | {ms(v, 'dice', 4)} | {ms(v, 'assd_mm', 2)} | {ms(v, 'hd95_mm', 2)} | {v['cases']} |")
print("\n| method | realistic − clean Dice (mean of the paired differences ± sd) | largest loss | within 0.01 |")
print("|---|---|---|---|")
for m in methods:
    d = [realistic_dice[k] - clean_dice[k] for k in clean_dice if k[1] == m and k in realistic_dice]
    mean = statistics.fmean(d)
    sd = statistics.stdev(d) if len(d) > 1 else 0.0
    print(f"| {m} | {mean:+.4f} ± {sd:.4f} (n = {len(d)}) | {min(d):+.4f} | {'yes' if mean >= -0.01 else 'no'} |")
rows = list(csv.DictReader(open(f"{out}/realistic/placement.csv")))
def stat(key):
    v = [float(r[key]) for r in rows if r[key]]
    return f"mean {statistics.fmean(v):.2f} mm, largest {max(v):.2f} mm" if v else "not recorded"
print(f"\nHead clicks ({len(rows)} subjects): ray distance {stat('ray_distance_mm')}; "
      f"placement error (triangulated − true head centre) {stat('placement_error_mm')}.")
PY
cat "$out/times.txt"
