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

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

APARTS=()
for a in "$@"; do
  case "$a" in
    -h|--help) usage; exit 0 ;;
    *[!0-9]*|'') echo "two-runs: unknown argument '$a'" >&2; usage >&2; exit 2 ;;
    *) APARTS+=("$a") ;;
  esac
done
[ "${#APARTS[@]}" -gt 0 ] || APARTS=(0 15)

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TASKS="${TASKS:-400}"
LATENCY_MS="${LATENCY_MS:-1000}"
IN_FLIGHT="${IN_FLIGHT:-64}"
WAIT="${WAIT:-0}"
KEEP="${KEEP:-0}"
JAR="$REPO/pipeline/target/hipforge.jar"

say() { echo "two-runs: $*"; }
die() { echo "two-runs: ERROR: $*" >&2; exit 1; }
command -v python3 >/dev/null || die "python3 is needed for the counting"

T="$(mktemp -d "${TMPDIR:-/tmp}/hipforge-two-runs.XXXXXX")"
PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  if [ "$KEEP" = 1 ]; then
    say "kept $T"
  else
    rm -rf "$T"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ ! -f "$JAR" ]; then
  say "building $JAR (missing)"
  (cd "$REPO" && mvn -B -o -q -Dmaven.test.skip=true -pl pipeline -am package)
fi
cp "$JAR" "$T/hipforge.jar"
say "jar: $JAR ($(date -u -r "$JAR" '+%Y-%m-%dT%H:%M:%SZ')), copied to $T/hipforge.jar"

# The hipforge launcher's JVM flags, on the copied jar.
OPENS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.sql/java.sql=ALL-UNNAMED
)
hipforge() {
  java -Xmx2g "${OPENS[@]}" -Djava.util.logging.config.file="$REPO/pipeline/logging.properties" \
    -cp "$T/hipforge.jar" org.hipforge.pipeline.Main "$@"
}
now() { date +%s.%N; }

SRC="$T/src"
mkdir -p "$SRC"
for ((i = 1; i <= TASKS; i++)); do
  printf '__global__ void k_%d(float* x, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) x[i] = x[i] * %d.0f + %d.0f;\n}\n' \
    "$i" "$i" "$((i % 7))" >"$SRC/k_$i.hip"
done

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
  java -cp "$T/hipforge.jar" org.hipforge.io.llm.sim.SimulatedLlmServer --port=0 \
    --latency-ms="$LATENCY_MS" --latency=fixed --requests-log="$dir/requests.log" >"$dir/sim.out" 2>&1 &
  local sim=$!
  PIDS+=("$sim")
  local url=""
  for _ in $(seq 1 120); do
    url="$(sed -n 's/^SIMULATED LLM listening on //p' "$dir/sim.out")"
    [ -n "$url" ] && break
    kill -0 "$sim" 2>/dev/null || { cat "$dir/sim.out" >&2; die "the simulator exited"; }
    sleep 0.5
  done
  [ -n "$url" ] || die "the simulator did not print its URL within 60 s"
  cat >"$dir/config.json" <<EOF
{"sim": {"api": "openai", "base_url": "$url", "model": "m", "api_key_env": "UNSET_VAR",
         "max_tokens": 256, "timeout_s": 30}}
EOF
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
  kill "$sim" 2>/dev/null || true
  python3 - "$dir" "$apart" "$TASKS" <<'PY'
import collections, os, re, sys
d, apart, tasks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
answers = [l.strip() for l in open(os.path.join(d, "requests.log")) if l.strip()]
per = collections.Counter(answers)
twice = sum(n - 1 for n in per.values() if n > 1)
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
    len(answers), tasks, len(per), twice))
PY
}

for a in "${APARTS[@]}"; do
  scenario "$a"
done
