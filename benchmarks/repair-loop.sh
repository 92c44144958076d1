#!/usr/bin/env bash
# The repair loop's yield and cost (issue 12 item 1), measured on the built jar against a loopback
# simulated LLM in its own process that breaks a fraction of its programs on purpose (also its
# repairs: drawn from the repair prompt, at the same rate), judged by the real HIP compiler.
# For each corpus:
#   1. manifest + describe;
#   2. generate --repairRounds=0: one answer per task (the yield without the loop);
#   3. generate --repairRounds=2 on the same work directory: the first answers come from the
#      journal (0 requests), so the requests it makes are exactly the repairs;
#   4. generate --repairRounds=2 again: a finished run, 0 requests expected.
# The yield after 1 round is read from the records' round_verdicts (a run with --repairRounds=1
# asks the same first repair prompts, so it would stop at the same point).
#
#   benchmarks/repair-loop.sh [synthetic|examples ...]    (default: both)
#
# Settings: TASKS=200 (synthetic corpus) RATE=0.4 LATENCY_MS=50 MAX_IN_FLIGHT=16 KEEP=0.
set -euo pipefail

NAME=repair-loop
# shellcheck source=benchmarks/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
defaults TASKS=200 RATE=0.4 LATENCY_MS=50 MAX_IN_FLIGHT=16
CORPORA=("$@")
[ ${#CORPORA[@]} -gt 0 ] || CORPORA=(synthetic examples)

make_tmp hipforge-repair-loop
use_jar "$REPO/pipeline/target/hipforge.jar" 2g
command -v hipcc >/dev/null || die "needs hipcc (apt-get install -y hipcc)"

secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }
sim_requests() { curl -s "${URL%/v1}/sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }

# Latest generate record per id: compiled first time, after round 1, after round 2; categories.
yields() { # WORK
  python3 - "$1" <<'PY'
import collections, glob, json, os, sys
latest = {}
for f in glob.glob(os.path.join(sys.argv[1], "state/generate/*/part-*.jsonl")):
    for line in open(f, encoding="utf-8"):
        r = json.loads(line)
        k = (r.get("finished_at"), r.get("run_id"), r.get("attempts", 0), r.get("pass"))
        if r["id"] not in latest or k > latest[r["id"]][0]:
            latest[r["id"]] = (k, r)
n = len(latest)
within = [0, 0, 0]
cats = collections.Counter()
rounds = 0
for _, r in latest.values():
    v = (r.get("round_verdicts") or ("compiled" if r.get("compiled") else "x")).split(",")
    rounds += int(r.get("rounds") or 0)
    if r.get("compiled"):
        for k in range(len(v) - 1, 3):
            within[k] += 1
    cats["compiled" if r.get("pass") else (r.get("error_msg") or "?").split(":")[0]] += 1
print(f"tasks {n} | compiled: first answer {within[0]} ({100*within[0]/n:.1f} %), after round 1 {within[1]} "
      f"({100*within[1]/n:.1f} %), after round 2 {within[2]} ({100*within[2]/n:.1f} %) | repair rounds asked {rounds} "
      f"| records: {', '.join(f'{k} {c}' for k, c in sorted(cats.items()))}")
PY
}

run() { # LABEL WORK ARGS...: one generate run; prints requests, exit, wall
  local label="$1" w="$2"; shift 2
  local before t0 t1 rc=0
  before="$(sim_requests)"; t0="$(now)"
  hipforge generate --workDir="$w" --config="$T/sim.json" --modelName=sim --maxInFlight="$MAX_IN_FLIGHT" "$@" \
    >"$T/$label.log" 2>&1 || rc=$?
  t1="$(now)"
  say "RESULT $label | requests $(( $(sim_requests) - before )) | exit $rc | $(secs "$t0" "$t1") s | $(yields "$w")"
}

for corpus in "${CORPORA[@]}"; do
  case "$corpus" in
    synthetic) SRC="$T/src"; write_kernels "$SRC" "$TASKS" ;;
    examples) SRC="$REPO/examples/kernels" ;;
    *) die "unknown corpus '$corpus' (synthetic or examples)" ;;
  esac
  start_sim "$T/$corpus.sim.out" "$T/$corpus.requests.log" --latency-ms="$LATENCY_MS" --compile-error-rate="$RATE" --seed=7
  write_config "$T/sim.json" "$URL"
  W="$T/$corpus/work"
  hipforge manifest --sourceDir="$SRC" --workDir="$W" >"$T/$corpus.manifest.log" 2>&1
  hipforge describe --workDir="$W" --sourceDir="$SRC" --config="$T/sim.json" --modelName=sim \
    --maxInFlight="$MAX_IN_FLIGHT" >"$T/$corpus.describe.log" 2>&1
  say "$corpus: $(grep -c . "$W/manifest.jsonl") files, described with $(sim_requests) requests"
  run "$corpus-rounds0" "$W" --repairRounds=0
  run "$corpus-rounds2" "$W" --repairRounds=2
  run "$corpus-rerun" "$W" --repairRounds=2
  grep -A4 "compile yield by round" "$T/$corpus-rounds2.log" | sed 's/^/    /' || true
done
say "rate $RATE, latency ${LATENCY_MS} ms, --maxInFlight=$MAX_IN_FLIGHT, embedded Flink ($(nproc) cores)"
