#!/usr/bin/env bash
# The issue-15 report (docs/refinement.md, "The report"): fresh orthogonal and generalised test subjects with their truth on
# the paper grid, scored on the paper grid for identity, affine, full, refined and refined-pose; Dice against a
# calibration error of the lateral view of 0, 2, 5 and 10° with and without pose refinement; seconds per refinement.
#
#   docs/tools/refinement_report.sh OUT [COUNT (default 40)] [more evaluate options, e.g. --refine-grid tiny]
#
# MODEL (default: the shipped default model) names the model; the test subjects are simulated at its preset. The
# orthogonal subjects also get `--realistic` radiographs, so the realistic-radiograph report (docs/radiographs.md) can
# score the same subjects. The calibration sweep runs on its own SWEEP_COUNT (default 10) orthogonal subjects of seed 1503:
# it refines each of them 8 times. SLICERREG names the command (default: this tree's ./slicerreg).
# Heavy: every subject is refined twice per evaluation (about 20–30 s each on the standard refine grid on 2 quiet cores).
# PAPER_GRID=1 also times one refinement on the paper refine grid.
# Each step's wall time and the load average go to OUT/times.txt.
set -euo pipefail
out=${1:?usage: refinement_report.sh OUT [COUNT] [evaluate options]}
count=${2:-40}
shift $(( $# < 2 ? $# : 2 ))
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
slicerreg="${SLICERREG:-$root/slicerreg}"
source "$root/docs/tools/report_steps.sh"
model="${MODEL:-$root/atlas/models/$(default_model)}"
preset=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["preset"])' "$model/card.json")
sweep_count=${SWEEP_COUNT:-10}
mkdir -p "$out"
machine_record "model $model (preset $preset)"

# Fresh seeds: the model card's test sets are seeds 1001 and 1002, its training set seed 1.
step simulate-orthogonal "$slicerreg" simulate --out "$out/orthogonal" --count "$count" --seed 1501 --views orthogonal --preset "$preset" --split 0,0,1 --truth-grid paper --realistic --quiet
step simulate-generalised "$slicerreg" simulate --out "$out/generalised" --count "$count" --seed 1502 --views generalised --preset "$preset" --split 0,0,1 --truth-grid paper --quiet
step simulate-sweep "$slicerreg" simulate --out "$out/sweep" --count "$sweep_count" --seed 1503 --views orthogonal --preset "$preset" --split 0,0,1 --truth-grid paper --quiet
methods=identity,affine,full,refined,refined-pose
step evaluate-orthogonal "$slicerreg" evaluate --data "$out/orthogonal" --model "$model" --out "$out/eval-orthogonal" --methods "$methods" --quiet "$@"
step evaluate-generalised "$slicerreg" evaluate --data "$out/generalised" --model "$model" --out "$out/eval-generalised" --methods "$methods" --quiet "$@"
step calibration-sweep "$slicerreg" evaluate --data "$out/sweep" --model "$model" --out "$out/calibration" --methods full,refined,refined-pose \
    --calibration-sweep 0,2,5,10 --quiet "$@"

# Seconds per refinement on each refine grid: the evaluations' refinement.csv (the grid they ran on), and one register each.
subject="$out/orthogonal/subject_0000"
for grid in tiny standard $([ "${PAPER_GRID:-0}" = 1 ] && echo paper); do
    step "register-refine-$grid" "$slicerreg" register --ap "$subject/ap_masked_drr.nrrd" --lat "$subject/lateral_masked_drr.nrrd" --model "$model" \
        --out "$out/register-$grid" --refine --refine-pose --refine-grid "$grid"
done

for eval in eval-orthogonal eval-generalised; do
    echo "== $eval (paper grid): mean ± sd"
    python3 - "$out/$eval/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
for m, v in s.items():
    print(f"  {m:13s} Dice {v['dice']['mean']:.4f} ± {v['dice']['sd']:.4f}   ASSD {v['assd_mm']['mean']:.2f} ± {v['assd_mm']['sd']:.2f} mm   "
          f"HD95 {v['hd95_mm']['mean']:.2f} ± {v['hd95_mm']['sd']:.2f} mm   (n = {v['cases']})")
PY
    awk -F, 'NR > 1 { n[$2]++; t[$2] += $3 } END { for (m in n) printf "  %-13s %.1f s per refinement (n = %d)\n", m, t[m] / n[m], n[m] }' "$out/$eval/refinement.csv"
done
echo "== calibration sweep (mean Dice; $out/calibration/calibration_dice.png)"
cat "$out/calibration/calibration_summary.csv"
cat "$out/times.txt"
