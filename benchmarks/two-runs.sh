#!/usr/bin/env bash
# The same describe started twice on one work directory, as from two terminals, against a
# loopback simulated LLM in its own process: both exit codes, how long the second took to be
# refused, and how many answers were paid twice (the simulator's count of answers per prompt).
#
#   benchmarks/two-runs.sh [APART_S ...]        default: 0 15 (at once, and 15 s apart)
#
# One scenario per APART_S, each on a fresh work directory with a fresh simulator: run A starts,
# run B starts APART_S seconds later with the same command (plus --wait when WAIT=1).
# Uses pipeline/target/hipforge.jar as it is (built with 'mvn -o -q -Dmaven.test.skip=true -pl
# pipeline -am package' only when missing), copied into the temporary directory first so that a
# rebuild during the run cannot change it. Embedded Flink (the default engine).
# Settings (environment variables, defaults):
#   TASKS=400        kernels to describe
#   LATENCY_MS=1000  the simulator's latency (fixed)
#   IN_FLIGHT=64     --maxInFlight
#   WAIT=0           1 passes --wait to run B
#   KEEP=0           1 keeps the temporary directory (sources, work dirs, logs)
set -euo pipefail
NAME=two-runs
# shellcheck source=benchmarks/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
APARTS=()
for a in "$@"; do
  case "$a" in
    -h|--help) usage; exit 0 ;;
    *[!0-9]*|'') bad_argument "$a" ;;
    *) APARTS+=("$a") ;;
  esac
done
[ "${#APARTS[@]}" -gt 0 ] || APARTS=(0 15)
defaults TASKS=400 LATENCY_MS=1000 IN_FLIGHT=64 WAIT=0
command -v python3 >/dev/null || die "python3 is needed for the counting"

make_tmp hipforge-two-runs
use_jar "$REPO/pipeline/target/hipforge.jar"
SRC="$T/src"
write_kernels "$SRC" "$TASKS"

# timed NAME DIR ARGS...: runs hipforge in the background; DIR/NAME.log, and "rc start end" in DIR/NAME.t
timed() {
  local name="$1" dir="$2"
  shift 2
  (
    s="$(now)"
    rc=0
    hipforge "$@" >"$dir/$name.log" 2>&1 || rc=$?
    echo "$rc $s $(now)" >"$dir/$name.t"
  ) &
  PIDS+=($!)
}

scenario() { # APART_S
  local apart="$1" dir="$T/apart-$1"
  mkdir -p "$dir"
  start_sim "$dir/sim.out" "$dir/requests.log" --latency-ms="$LATENCY_MS" --latency=fixed
  write_config "$dir/config.json" "$URL" '"max_tokens": 256'
  hipforge manifest --sourceDir="$SRC" --workDir="$dir/work" >"$dir/manifest.log" 2>&1
  local cmd=(describe --workDir="$dir/work" --sourceDir="$SRC" --config="$dir/config.json"
    --modelName=sim --maxInFlight="$IN_FLIGHT" --quiet)
  local extra=()
  [ "$WAIT" = 1 ] && extra=(--wait)
  say "scenario: run B starts ${apart} s after run A (${TASKS} tasks, ${LATENCY_MS} ms, --maxInFlight=${IN_FLIGHT}$([ "$WAIT" = 1 ] && echo ', B with --wait'))"
  timed A "$dir" "${cmd[@]}"
  sleep "$apart"
  timed B "$dir" "${cmd[@]}" "${extra[@]}"
  wait "${PIDS[@]:${#PIDS[@]}-2}" 2>/dev/null || true
  sleep 1 # the simulator appends each answer at once; this only lets the last lines land
  stop_sim
  local paid distinct
  paid="$(requests_paid "$dir/requests.log")"
  distinct="$(requests_distinct "$dir/requests.log")"
  python3 - "$dir" "$apart" "$TASKS" "$paid" "$distinct" <<'PY'
import os, re, sys
d, apart, tasks, paid, distinct = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
runs = {}
for name in ("A", "B"):
    rc, s, e = open(os.path.join(d, name + ".t")).read().split()
    log = open(os.path.join(d, name + ".log")).read()
    runs[name] = (int(rc), float(s), float(e), log)
t0 = min(r[1] for r in runs.values())
for name, (rc, s, e, log) in sorted(runs.items()):
    what = ""
    m = re.search(r"(\d+) of (\d+) tasks to do", log)
    if rc == 2 and "another run holds the lock" in log:
        what = "refused: " + log.strip().splitlines()[-1][:160] + " ..."
    elif m:
        what = "%s of %s tasks to do" % m.groups()
    if "waiting (--wait)" in log:
        w = re.search(r"the lock is free after ([\d.]+) s", log)
        what = "waited %s s, then %s" % (w.group(1) if w else "?", what)
    print("two-runs:   run %s: started +%.1f s, exit %d after %.1f s; %s" % (name, s - t0, rc, e - s, what))
print("two-runs:   answers paid %d for %d tasks (%d distinct prompts); paid twice: %d" % (
    paid, tasks, distinct, paid - distinct))
PY
}

for a in "${APARTS[@]}"; do
  scenario "$a"
done
