# Shared by the report scripts (refinement_report.sh, realistic_report.sh); sourced, not run. Needs `root` (the
# repository) and `out` (the report's folder) set before it is sourced.

# The shipped default model's folder name: the one card in atlas/models/*/card.json with "default": true.
default_model() {
    /usr/bin/python3 - "$root/atlas/models" <<'PY'
import json, pathlib, sys
print(next(c.parent.name for c in sorted(pathlib.Path(sys.argv[1]).glob("*/card.json")) if json.load(open(c)).get("default")))
PY
}

# The machine, the commit and what the report runs (the words given), for OUT/machine.txt.
machine_record() {
    { date -u; uname -n; nproc; grep -m1 "model name" /proc/cpuinfo; echo "$*"; git -C "$root" rev-parse HEAD; } > "$out/machine.txt"
}

# step NAME COMMAND…: runs COMMAND with its stdout in OUT/NAME.log, then adds its wall time and the load average to OUT/times.txt.
step() {
    local name=$1; shift
    local t0; t0=$(date +%s.%N)
    "$@" > "$out/$name.log"
    printf '%-22s %8.1f s   load %s\n' "$name" "$(echo "$(date +%s.%N) - $t0" | bc)" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/times.txt"
}
