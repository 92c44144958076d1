#!/usr/bin/env bash
# describe on the two-TaskManager Flink session cluster of scripts/flink-cluster against a loopback
# simulated LLM (its own process), and the numbers: achieved RPM, 429 share, calls per task, and with
# --kill-tm a TaskManager SIGKILLed mid-run (what was paid twice, and whether any task already in
# the journal at the kill was asked again: that must never happen).
#
#   benchmarks/cluster-describe.sh TASKS [--kill-tm]
#
# Expects the cluster of scripts/flink-cluster (starts it when nothing answers on 127.0.0.1:8081;
# it is left running). Uses pipeline/target/hipforge.jar as it is (built only when missing), copied
# into the temporary directory first so that a rebuild during the run cannot change it.
# Settings (environment variables, defaults):
#   RPM=600               the simulator's limit and the config's rpm (split over the TaskManagers)
#   LATENCY_MS=1500       mean simulator latency (exponential)
#   KILL_AT=0.3           --kill-tm: SIGKILL TaskManager 1 once this fraction of tasks is journaled
#   RESTART_AFTER_S=5     --kill-tm: restart it this many seconds after the kill
#   KEEP=0                1 keeps the temporary directory (sources, work dir, logs, snapshots)
#   FLINK_REST_PORT=8081  the cluster's REST port (as for scripts/flink-cluster)
set -euo pipefail

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

TASKS=""
KILL=0
for a in "$@"; do
  case "$a" in
    --kill-tm) KILL=1 ;;
    -h|--help) usage; exit 0 ;;
    *[!0-9]*|'') echo "cluster-describe: unknown argument '$a'" >&2; usage >&2; exit 2 ;;
    *) TASKS="$a" ;;
  esac
done
[ -n "$TASKS" ] && [ "$TASKS" -gt 0 ] || { usage >&2; exit 2; }

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RPM="${RPM:-600}"
LATENCY_MS="${LATENCY_MS:-1500}"
KILL_AT="${KILL_AT:-0.3}"
RESTART_AFTER_S="${RESTART_AFTER_S:-5}"
KEEP="${KEEP:-0}"
MASTER="127.0.0.1:${FLINK_REST_PORT:-8081}"
CLUSTER="$REPO/scripts/flink-cluster"
JAR="$REPO/pipeline/target/hipforge.jar"

say() { echo "cluster-describe: $*"; }
die() { echo "cluster-describe: ERROR: $*" >&2; exit 1; }
command -v python3 >/dev/null || die "python3 is needed for the counting"
command -v curl >/dev/null || die "curl is needed to ask the cluster's REST API"

T="$(mktemp -d "${TMPDIR:-/tmp}/hipforge-cluster-describe.XXXXXX")"
SIM_PID=""
DESCRIBE_PID=""
TAIL_PID=""
cleanup() {
  local rc=$?
  for p in "$TAIL_PID" "$DESCRIBE_PID" "$SIM_PID"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
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

# --------------------------------------------------------------------------------------- the jar
if [ ! -f "$JAR" ]; then
  say "building $JAR (missing)"
  (cd "$REPO" && mvn -B -q -Dmaven.test.skip=true -pl pipeline -am install)
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

# ----------------------------------------------------------------------------------- the cluster
tm_count() {
  curl -sf --max-time 3 "http://$MASTER/overview" 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["taskmanagers"])' 2>/dev/null || echo 0
}
if [ "$(tm_count)" = 0 ]; then
  say "no Flink cluster answers at $MASTER: starting one (scripts/flink-cluster start; it stays up)"
  "$CLUSTER" start >/dev/null
fi
[ "$(tm_count)" = 2 ] || die "the cluster at $MASTER has $(tm_count) TaskManagers, expected 2 ('scripts/flink-cluster status')"
say "cluster at $MASTER: 2 TaskManagers"

# ------------------------------------------------------------------------------- inputs, simulator
SRC="$T/src"
W="$T/work"
mkdir -p "$SRC"
for ((i = 1; i <= TASKS; i++)); do
  printf '__global__ void k_%d(float* x, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) x[i] = x[i] * %d.0f + %d.0f;\n}\n' \
    "$i" "$i" "$((i % 7))" >"$SRC/k_$i.hip"
done

REQLOG="$T/requests.log"
java -cp "$T/hipforge.jar" org.hipforge.io.llm.sim.SimulatedLlmServer --port=0 \
  --latency-ms="$LATENCY_MS" --latency=exponential --rpm="$RPM" --requests-log="$REQLOG" \
  >"$T/sim.out" 2>&1 &
SIM_PID=$!
URL=""
for _ in $(seq 1 120); do
  URL="$(sed -n 's/^SIMULATED LLM listening on //p' "$T/sim.out")"
  [ -n "$URL" ] && break
  kill -0 "$SIM_PID" 2>/dev/null || { cat "$T/sim.out" >&2; die "the simulator exited"; }
  sleep 0.5
done
[ -n "$URL" ] || die "the simulator did not print its URL within 60 s"
say "simulator $URL: $RPM RPM, latency exponential mean $LATENCY_MS ms, requests log $REQLOG"

CFG="$T/config.json"
cat >"$CFG" <<EOF
{"sim": {"api": "openai", "base_url": "$URL", "model": "m", "api_key_env": "UNSET_VAR",
         "rpm": $RPM, "max_tokens": 256, "timeout_s": 30}}
EOF

hipforge manifest --sourceDir="$SRC" --workDir="$W"

# -------------------------------------------------------------------------------------- describe
DESCRIBE=(describe --workDir="$W" --sourceDir="$SRC" --config="$CFG" --modelName=sim
  --flinkMaster="$MASTER" --filesToStage="$T/hipforge.jar")
JOURNAL="$W/state/describe/journal"
journal_lines() { cat "$JOURNAL"/*/*.jsonl 2>/dev/null | wc -l; }
snapshot() { # NAME: a copy of the journal files, and how many answers the simulator had logged
  mkdir -p "$T/snap-$1"
  cp -r "$JOURNAL"/. "$T/snap-$1/" 2>/dev/null || true
  wc -l <"$REQLOG" >"$T/snap-$1.requests" 2>/dev/null || echo 0 >"$T/snap-$1.requests"
}

# run_describe N: runs describe in the background, log $T/describe-N.log, shown as it grows
run_describe() {
  : >"$T/describe-$1.log"
  hipforge "${DESCRIBE[@]}" >"$T/describe-$1.log" 2>&1 &
  DESCRIBE_PID=$!
  tail -n +1 -f --pid="$DESCRIBE_PID" "$T/describe-$1.log" &
  TAIL_PID=$!
}
RC=0
finish_describe() { # waits for describe; its exit code in RC
  RC=0
  wait "$DESCRIBE_PID" || RC=$?
  DESCRIBE_PID=""
  wait "$TAIL_PID" 2>/dev/null || true
  TAIL_PID=""
}

T0=$SECONDS
run_describe 1
KILLED=0
if [ "$KILL" = 1 ]; then
  target="$(python3 -c "import math; print(max(1, math.ceil($TASKS * $KILL_AT)))")"
  while kill -0 "$DESCRIBE_PID" 2>/dev/null; do
    if [ "$(journal_lines)" -ge "$target" ]; then
      snapshot before-kill
      "$CLUSTER" kill-tm 1
      snapshot at-kill
      KILLED=1
      say "killed TaskManager 1 at $(cat "$T/snap-at-kill/"*/*.jsonl | wc -l) journal lines, $(cat "$T/snap-at-kill.requests") answers logged by the simulator, $((SECONDS - T0)) s into describe; restart in $RESTART_AFTER_S s"
      sleep "$RESTART_AFTER_S"
      snapshot before-restart
      "$CLUSTER" restart-tm 1
      break
    fi
    sleep 0.2
  done
  [ "$KILLED" = 1 ] || say "describe ended before $target journal lines: no kill"
fi
finish_describe
RC1=$RC
RC2=""
say "describe exited with $RC1 after $((SECONDS - T0)) s"
if [ "$RC1" != 0 ]; then
  [ "$KILL" = 1 ] || die "describe failed (exit $RC1; log $T/describe-1.log)"
  say "rerunning the same describe command once"
  run_describe 2
  finish_describe
  RC2=$RC
  say "the rerun exited with $RC2"
fi
WALL=$((SECONDS - T0))
sleep 1 # the simulator flushes each line at once; this only lets the last answers land

hipforge status --workDir="$W" | tee "$T/status.txt"

# ---------------------------------------------------------------------------------------- numbers
python3 - "$T" "$TASKS" "$KILLED" "$WALL" "$RC1" "$RC2" "$RPM" <<'PY'
import glob, hashlib, json, math, os, re, sys
from collections import Counter
from datetime import datetime

T, tasks, killed, wall, rc1, rc2, rpm = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4]), sys.argv[5], sys.argv[6], int(sys.argv[7])
src, work = os.path.join(T, "src"), os.path.join(T, "work")

def prompt_key(file_name):
    # the simulator's prompt key: SHA-256 of the user message of Prompts.describe(fileName, code)
    with open(os.path.join(src, file_name), encoding="utf-8") as f:
        code = f.read()
    user = "File: " + file_name + "\n\n```hip\n" + code + ("" if code.endswith("\n") else "\n") + "```"
    return hashlib.sha256(user.encode("utf-8")).hexdigest()

manifest = [json.loads(l) for l in open(os.path.join(work, "manifest.jsonl")) if l.strip()]
key_of = {e["id"]: prompt_key(e["file_name"]) for e in manifest}
id_of = {k: i for i, k in key_of.items()}

def journal(root):
    lines = []
    for p in sorted(glob.glob(os.path.join(root, "*", "*.jsonl"))):
        for l in open(p, encoding="utf-8"):
            try:
                r = json.loads(l)
            except ValueError:
                continue  # a torn last line
            if not r.get("cached"):
                r["_worker"] = os.path.basename(os.path.dirname(p)) + "/" + os.path.basename(p)
                lines.append(r)
    return lines

def ms(ts):
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000

answers = [l.strip() for l in open(os.path.join(T, "requests.log")) if l.strip()]
per_key = Counter(answers)
dups = {k: n for k, n in per_key.items() if n > 1}
unknown = sum(n for k, n in per_key.items() if k not in id_of)
never = [i for i, k in key_of.items() if per_key.get(k, 0) == 0]
final = journal(os.path.join(work, "state", "describe", "journal"))
status = open(os.path.join(T, "status.txt")).read()
passed = re.search(r"describe passed\s+(\d+)", status)
summaries = []
for n in ("1", "2"):
    p = os.path.join(T, "describe-%s.log" % n)
    if os.path.exists(p):
        m = re.search(r"LLM requests (\d+) \(retries (\d+), 429s (\d+)\)", open(p).read())
        if m:
            summaries.append(tuple(int(x) for x in m.groups()))

out = []
def say(k, v):
    out.append("%-44s %s" % (k, v) if len(k) <= 44 else k + "\n  " + str(v))

say("tasks", len(manifest))
say("pass:true at the end (hipforge status)", passed.group(1) if passed else "?")
say("describe exit code", rc1 + ("" if not rc2 else ", rerun: " + rc2))
say("wall time of describe (s)", wall)
say("successful LLM calls (simulator log)", len(answers))
say("successful calls per task", "%.4f" % (len(answers) / max(1, len(manifest))))
say("prompts answered more than once", "%d (%d repeated calls)" % (len(dups), sum(n - 1 for n in dups.values())))
say("tasks never answered", len(never))
if unknown:
    say("answers for prompts not in the manifest", unknown)
say("journal lines / distinct ids", "%d / %d" % (len(final), len({r["id"] for r in final})))
# Every answer that reaches a live worker is journaled, so a journaled answer paid for again would
# show up as a second journal line for its id.
per_id = Counter(r["id"] for r in final)
twice = sorted(i for i, n in per_id.items() if n > 1)
say("ids journaled more than once (must be 0)", "%d%s" % (len(twice), (" ids " + str(twice[:20])) if twice else ""))
for i, (req, retries, r429) in enumerate(summaries):
    say("client summary" + (" (rerun)" if i else ""), "requests %d, retries %d, 429s %d = %.2f %%" % (req, retries, r429, 100.0 * r429 / max(1, req)))

ts = sorted(ms(r["finished_at"]) for r in final)
if ts:
    start = ts[0] + 10000
    late = [t for t in ts if t >= start]
    phase = (ts[-1] - ts[0]) / 1000
    say("LLM phase, first to last answer (s)", "%.1f" % phase)
    if len(late) > 1 and ts[-1] > start:
        r = len(late) / ((ts[-1] - start) / 60000)
        say("achieved RPM after the first 10 s", "%.1f = %.3f x %d (journal finished_at)" % (r, r / rpm, rpm))
    win = Counter(int((t - ts[0]) // 10000) for t in ts)
    say("answers per 10 s window", " ".join(str(win.get(w, 0)) for w in range(max(win) + 1)))
    # Each worker (one journal file per CallLlm instance) paces itself to its TaskManager's share;
    # once one runs out of tasks, its share of the budget goes unused.
    workers = {}
    for r in final:
        workers.setdefault(r["_worker"], []).append(ms(r["finished_at"]))
    say("answers per worker (last answer, s)", ", ".join(
        "%d (+%.1f)" % (len(v), (max(v) - ts[0]) / 1000) for v in sorted(workers.values(), key=max)))
    first_done = min(max(v) for v in workers.values())
    busy = [t for t in ts if start <= t <= first_done]
    if not killed and len(busy) > 1 and first_done > start:
        say("RPM from +10 s until a worker ran out", "%.1f = %.3f x %d (%.1f s)" % (
            len(busy) / ((first_done - start) / 60000), len(busy) / ((first_done - start) / 60000) / rpm,
            rpm, (first_done - start) / 1000))

if killed:
    def snap(name):
        lines = journal(os.path.join(T, "snap-" + name))
        logged = int(open(os.path.join(T, "snap-%s.requests" % name)).read().split()[0])
        return {key_of[r["id"]] for r in lines}, logged
    for name in ("before-kill", "at-kill", "before-restart"):
        keys, logged = snap(name)
        asked_again = sorted(id_of[k] for k in keys if per_key.get(k, 0) > 1)
        say("journaled %s: tasks" % name, "%d (simulator had answered %d)" % (len(keys), logged))
        say("  of them answered again (must be 0)", "%d%s" % (len(asked_again), (" ids " + str(asked_again[:20])) if asked_again else ""))
    keys, logged = snap("at-kill")
    in_flight = set(answers[:logged]) - keys
    say("answered by the kill, not yet journaled", "%d, of them answered again: %d" % (len(in_flight), sum(1 for k in in_flight if per_key[k] > 1)))
    first = {}
    for n, k in enumerate(answers):
        first.setdefault(k, n)
    say("repeated prompts: ids (1st answer's position in the simulator log)", ", ".join(
        "%d (%d)" % (id_of.get(k, -1), first[k]) for k in sorted(dups, key=first.get)))
print("\n".join(out))
PY
