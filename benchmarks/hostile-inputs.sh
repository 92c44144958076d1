#!/usr/bin/env bash
# Issue 11's hostile-file and hostile-input rows, each as a user meets it, against a loopback
# simulated LLM in its own process: per row the requests the simulator served (what a provider
# bills), the error categories recorded, the exit code, the wall time, and whether a file from
# outside the tree reached the output.
#
#   benchmarks/hostile-inputs.sh [JAR]     default JAR: pipeline/target/hipforge.jar
#
# Pass another build's jar to measure it the same way (e.g. the main branch before the change).
# Embedded Flink (the default engine). Settings: TASKS=10 (kernels), KEEP=0 (1 keeps the temp dir).
set -uo pipefail

NAME=hostile-inputs
# shellcheck source=benchmarks/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
defaults TASKS=10
JAR="${1:-$REPO/pipeline/target/hipforge.jar}"
MARKER=OUTSIDE_THE_TREE_7f3a
command -v python3 >/dev/null || die "python3 is needed for the counting"

make_tmp hostile-inputs
use_jar "$JAR"
start_sim "$T/sim.out" "$T/requests.log" --latency-ms=5
write_config "$T/config.json" "$URL"
printf '#include <hip/hip_runtime.h>\n// %s\n__global__ void secret(float* x) { x[0] = 1; }\n' "$MARKER" >"$T/secret.hip"

# The error categories of a step's latest state shards (journals hold raw answers), e.g. "unsafe_path:2".
categories() { # WORK STEP
  python3 - "$1/state/$2" <<'PY'
import json, sys, pathlib, collections
c = collections.Counter()
for f in pathlib.Path(sys.argv[1]).glob("*/part-*.jsonl"):
    for line in f.read_text().splitlines():
        r = json.loads(line)
        c["pass" if r.get("pass") else (r.get("error_msg") or "?").split(":")[0]] += 1
print(" ".join(f"{k}:{v}" for k, v in sorted(c.items())) or "-")
PY
}

ROW=""
START=0
BEFORE=0
begin() { ROW="$1"; START=$(now); BEFORE=$(requests_paid "$T/requests.log"); : >"$T/row.log"; }
# report EXIT [NOTE]: one line per row
report() {
  printf '%-44s exit %-3s requests %-3s %6.1f s  %s\n' "$ROW" "$1" "$(( $(requests_paid "$T/requests.log") - BEFORE ))" \
    "$(echo "$(now) - $START" | bc)" "${2:-}"
}
run() { hipforge "$@" >"$T/row.log" 2>&1; local rc=$?; cat "$T/row.log" >>"$T/run.log"; echo "$rc"; }
said() { grep -h "$1" "$T/row.log" | tr -s ' \n' ' ' | cut -c1-"${2:-100}"; } # PATTERN [WIDTH]: what the row's command said
leaked() { grep -rlq "$MARKER" "$@" 2>/dev/null && echo "outside file IN OUTPUT" || echo "outside file not in output"; }

fresh() { # W SRC: N kernels, their manifest and their instructions
  rm -rf "$1" "$2"; write_kernels "$2" "$TASKS"
  hipforge manifest --workDir="$1" --sourceDir="$2" >>"$T/run.log" 2>&1
  hipforge describe --workDir="$1" --sourceDir="$2" --config="$T/config.json" --modelName=sim --quiet=true >>"$T/run.log" 2>&1
}

W="$T/w1"; S="$T/s1"; fresh "$W" "$S"
rm "$S/k_1.hip"; ln -s "$T/secret.hip" "$S/k_1.hip"
begin "source swapped for a symlink after describe"
rc=$(run export --workDir="$W" --sourceDir="$S")
report "$rc" "$(leaked "$W/export"); $(said 'rows left out' 70)"

W="$T/w2"; S="$T/s2"; fresh "$W" "$S"
hipforge generate --workDir="$W" --config="$T/config.json" --modelName=sim --validate=none --quiet=true >>"$T/run.log" 2>&1
rm "$W/out/hip/k_2.hip"; ln -s "$T/secret.hip" "$W/out/hip/k_2.hip"
begin "symlink in W/out/hip: validate"
rc=$(run validate --workDir="$W")
report "$rc" "$(said 'validate: [0-9]* of\|not checked' 120)"
begin "symlink in W/out/hip: export"
rc=$(run export --workDir="$W" --sourceDir="$S")
report "$rc" "$(leaked "$W/export")"

W="$T/w3"; S="$T/s3"; fresh "$W" "$S"
echo "// edited after describe" >>"$S/k_3.hip"
begin "source edited after describe: export"
rc=$(run export --workDir="$W" --sourceDir="$S")
report "$rc" "$(said 'rows' 110)"
begin "source edited after describe: status"
rc=$(run status --workDir="$W" --sourceDir="$S")
report "$rc" "$(said 'stale' 110)"

W="$T/w4"; S="$T/s4"; rm -rf "$W" "$S"; write_kernels "$S" "$TASKS"
for n in $'new\nline.hip' $'ctl\x01.hip' '-rf.hip' $'caf\xe9.hip'; do cp -- "$S/k_1.hip" "$S/$n"; sed -i "s/k_1/k_odd$RANDOM/" -- "$S/$n"; done
begin "odd names: manifest"
rc=$(run manifest --workDir="$W" --sourceDir="$S")
report "$rc" "entries $(wc -l <"$W/manifest.jsonl"); $(grep -c 'skipped' "$T/row.log") skipped"
begin "odd names: describe"
rc=$(run describe --workDir="$W" --sourceDir="$S" --config="$T/config.json" --modelName=sim --quiet=true)
report "$rc" "$(categories "$W" describe)"
begin "odd names: generate --validate=none"
rc=$(run generate --workDir="$W" --config="$T/config.json" --modelName=sim --validate=none --quiet=true)
report "$rc" "$(categories "$W" generate)"
begin "odd names: describe again"
rc=$(run describe --workDir="$W" --sourceDir="$S" --config="$T/config.json" --modelName=sim --quiet=true)
report "$rc" "$(categories "$W" describe)"

W="$T/w5"; S="$T/s5"; rm -rf "$W" "$S"; write_kernels "$S" "$TASKS"
hipforge manifest --workDir="$W" --sourceDir="$S" >>"$T/run.log" 2>&1
sum_before=$(sha256sum <"$W/manifest.jsonl")
begin "scan matching nothing (--patterns=*.cl)"
rc=$(run manifest --workDir="$W" --sourceDir="$S" --patterns='*.cl')
[ "$(sha256sum <"$W/manifest.jsonl")" = "$sum_before" ] && kept="manifest unchanged" || kept="manifest now $(wc -l <"$W/manifest.jsonl") lines"
report "$rc" "$kept; $(said 'no file\|manifest:' 80)"

W="$T/w6"; S="$T/s6"; fresh "$W" "$S"
begin "generate --offloadArch=bogus"
rc=$(run generate --workDir="$W" --config="$T/config.json" --modelName=sim --offloadArch=bogus --quiet=true)
report "$rc" "$(wc -l <"$T/row.log") output lines; $(categories "$W" generate 2>/dev/null)"
begin "generate --maxInFlight=0"
rc=$(run generate --workDir="$W" --config="$T/config.json" --modelName=sim --maxInFlight=0 --validate=none --quiet=true)
report "$rc" "$(wc -l <"$T/row.log") output lines"
