#!/usr/bin/env bash
# describe or generate on the two-TaskManager Flink session cluster of scripts/flink-cluster against
# a loopback simulated LLM (its own process), and the ledger's numbers: answers the simulator served
# (paid) per prompt against the lines journaled, and with --kill-tm a TaskManager SIGKILLed mid-run:
# journaled answers paid again (must be 0), answers paid but never journaled (the killed worker's
# calls in flight), rate and 429s.
#
#   benchmarks/cluster-run.sh describe|generate TASKS [--kill-tm]
#
# generate first runs describe on the cluster (no fault) so there is something to generate from,
# then generate with --validate=none (the cache, not the compiler, is under test). Expects the
# cluster of scripts/flink-cluster (starts it when nothing answers; it is left running). Uses the
# jar as it is (built only when missing), copied into the temporary directory first so that a
# rebuild during the run cannot change it. Settings (environment variables, defaults):
#   HIPFORGE_JAR=pipeline/target/hipforge.jar   the jar to run (e.g. one built from another commit)
#   PARALLELISM=          --parallelism (empty: the cluster's slots)
#   RPM=600               the simulator's limit and the config's rpm (split over the TaskManagers)
#   LATENCY_MS=1500       mean simulator latency (exponential)
#   KILL_AT=0.3           --kill-tm: SIGKILL TaskManager 1 once this fraction of tasks is journaled
#   RESTART_AFTER_S=5     --kill-tm: restart it this many seconds after the kill
#   KEEP=0                1 keeps the temporary directory (sources, work dir, logs, snapshots)
#   FLINK_REST_PORT=8081  the cluster's REST port (as for scripts/flink-cluster)
#   PRICE_IN=0.15 PRICE_OUT=0.6   $ per million tokens in the config: the client's cost is then
#                         compared with what the simulator billed (GET /sim/stats)
set -euo pipefail
NAME=cluster-run
# shellcheck source=benchmarks/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STEP=""
TASKS=""
KILL=0
for a in "$@"; do
  case "$a" in
    --kill-tm) KILL=1 ;;
    -h|--help) usage; exit 0 ;;
    describe|generate) STEP="$a" ;;
    *[!0-9]*|'') bad_argument "$a" ;;
    *) TASKS="$a" ;;
  esac
done
[ -n "$STEP" ] && [ -n "$TASKS" ] && [ "$TASKS" -gt 0 ] || { usage >&2; exit 2; }
defaults RPM=600 PRICE_IN=0.15 PRICE_OUT=0.6 LATENCY_MS=1500 KILL_AT=0.3 RESTART_AFTER_S=5 PARALLELISM=
MASTER="127.0.0.1:${FLINK_REST_PORT:-8081}"
CLUSTER="$REPO/scripts/flink-cluster"
JAR="${HIPFORGE_JAR:-$REPO/pipeline/target/hipforge.jar}"
command -v python3 >/dev/null || die "python3 is needed for the counting"
command -v curl >/dev/null || die "curl is needed to ask the cluster's REST API"

RUN_PID=""
TAIL_PID=""
cleanup_more() {
  for p in "$TAIL_PID" "$RUN_PID"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
}
make_tmp "hipforge-cluster-$STEP"

# --------------------------------------------------------------------------------------- the jar
[ -f "$JAR" ] || [ -z "${HIPFORGE_JAR:-}" ] || die "HIPFORGE_JAR=$JAR does not exist"
use_jar "$JAR"

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
write_kernels "$SRC" "$TASKS"

REQLOG="$T/requests.log"
start_sim "$T/sim.out" "$REQLOG" --latency-ms="$LATENCY_MS" --latency=exponential --rpm="$RPM"
say "simulator $URL: $RPM RPM, latency exponential mean $LATENCY_MS ms, requests log $REQLOG"

CFG="$T/config.json"
write_config "$CFG" "$URL" "\"rpm\": $RPM, \"max_tokens\": 256, \"input_price_per_mtok\": $PRICE_IN, \"output_price_per_mtok\": $PRICE_OUT"
sim_stats() { curl -sf --max-time 5 "${URL%/v1}/sim/stats"; } # what the simulator billed so far

hipforge manifest --sourceDir="$SRC" --workDir="$W"

# ---------------------------------------------------------------------------------------- the run
CLUSTER_FLAGS=(--flinkMaster="$MASTER" --filesToStage="$T/hipforge.jar")
[ -z "$PARALLELISM" ] || CLUSTER_FLAGS+=(--parallelism="$PARALLELISM")
DESCRIBE=(describe --workDir="$W" --sourceDir="$SRC" --config="$CFG" --modelName=sim "${CLUSTER_FLAGS[@]}")
GENERATE=(generate --workDir="$W" --config="$CFG" --modelName=sim --validate=none "${CLUSTER_FLAGS[@]}")
JOURNAL="$W/state/$STEP/journal"
snapshot() { # NAME: a copy of the step's journal files, and how many answers the simulator had logged
  mkdir -p "$T/snap-$1"
  cp -r "$JOURNAL"/. "$T/snap-$1/" 2>/dev/null || true
  requests_paid "$REQLOG" >"$T/snap-$1.requests"
}

# start_run N CMD...: runs a hipforge command in the background, log $T/run-N.log, shown as it grows
start_run() {
  local n="$1"
  shift
  : >"$T/run-$n.log"
  hipforge "$@" >"$T/run-$n.log" 2>&1 &
  RUN_PID=$!
  tail -n +1 -f --pid="$RUN_PID" "$T/run-$n.log" &
  TAIL_PID=$!
}
RC=0
finish_run() { # waits for the run; its exit code in RC
  RC=0
  wait "$RUN_PID" || RC=$?
  RUN_PID=""
  wait "$TAIL_PID" 2>/dev/null || true
  TAIL_PID=""
}

if [ "$STEP" = generate ]; then
  say "describing the $TASKS tasks first (no fault)"
  start_run describe "${DESCRIBE[@]}"
  finish_run
  [ "$RC" = 0 ] || die "describe before generate failed (exit $RC; log $T/run-describe.log)"
fi
BASE="$(requests_paid "$REQLOG")" # answers of this step start after this line of the requests log
sim_stats >"$T/stats.base"
echo "$BASE" >"$T/requests.base"
STEP_CMD=(DESCRIBE)
[ "$STEP" = generate ] && STEP_CMD=(GENERATE)
declare -n CMD="${STEP_CMD[0]}"

T0=$SECONDS
start_run 1 "${CMD[@]}"
KILLED=0
if [ "$KILL" = 1 ]; then
  target="$(python3 -c "import math; print(max(1, math.ceil($TASKS * $KILL_AT)))")"
  while kill -0 "$RUN_PID" 2>/dev/null; do
    if [ "$(journal_lines "$W" "$STEP")" -ge "$target" ]; then
      snapshot before-kill
      "$CLUSTER" kill-tm 1
      snapshot at-kill
      KILLED=1
      say "killed TaskManager 1 at $(cat "$T/snap-at-kill/"*/*.jsonl | wc -l) journal lines, $(( $(cat "$T/snap-at-kill.requests") - BASE )) answers logged by the simulator, $((SECONDS - T0)) s into $STEP; restart in $RESTART_AFTER_S s"
      sleep "$RESTART_AFTER_S"
      snapshot before-restart
      "$CLUSTER" restart-tm 1
      break
    fi
    sleep 0.2
  done
  [ "$KILLED" = 1 ] || say "$STEP ended before $target journal lines: no kill"
fi
finish_run
RC1=$RC
RC2=""
say "$STEP exited with $RC1 after $((SECONDS - T0)) s"
if [ "$RC1" != 0 ]; then
  [ "$KILL" = 1 ] || die "$STEP failed (exit $RC1; log $T/run-1.log)"
  say "rerunning the same $STEP command once"
  start_run 2 "${CMD[@]}"
  finish_run
  RC2=$RC
  say "the rerun exited with $RC2"
fi
WALL=$((SECONDS - T0))
sleep 1 # the simulator flushes each line at once; this only lets the last answers land
sim_stats >"$T/stats.end"

hipforge status --workDir="$W" | tee "$T/status.txt"

# ---------------------------------------------------------------------------------------- numbers
python3 - "$T" "$STEP" "$TASKS" "$KILLED" "$WALL" "$RC1" "$RC2" "$RPM" "$PRICE_IN" "$PRICE_OUT" <<'PY'
import glob, hashlib, json, os, re, sys
from collections import Counter, defaultdict
from datetime import datetime

T, step, tasks, killed, wall, rc1, rc2, rpm = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5]), sys.argv[6], sys.argv[7], int(sys.argv[8])
src, work = os.path.join(T, "src"), os.path.join(T, "work")
base = int(open(os.path.join(T, "requests.base")).read().split()[0])
sha = lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest()

def describe_key(file_name):
    # the simulator's prompt key: SHA-256 of the user message of Prompts.describe(fileName, code)
    with open(os.path.join(src, file_name), encoding="utf-8") as f:
        code = f.read()
    return sha("File: " + file_name + "\n\n```hip\n" + code + ("" if code.endswith("\n") else "\n") + "```")

def key(r):
    # generate's user message is the instruction itself (Prompts.generate)
    return describe_key(r["file_name"]) if step == "describe" else sha(r["instruction"])

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

manifest = [json.loads(l) for l in open(os.path.join(work, "manifest.jsonl")) if l.strip()]
if step == "describe":
    prompts = {describe_key(e["file_name"]) for e in manifest}
else:
    described = journal(os.path.join(work, "state", "describe", "journal"))
    prompts = {sha(r["instruction"]) for r in described if r.get("pass") and r.get("instruction")}
log = [l.strip() for l in open(os.path.join(T, "requests.log")) if l.strip()]
answers = log[base:]
paid = Counter(answers)
final = journal(os.path.join(work, "state", step, "journal"))
journaled = defaultdict(list)
for r in final:
    journaled[key(r)].append(r)

# A journaled answer paid again: a later call for the same prompt sent after the first answer was
# journaled (sent = finished_at - latency_ms, same clock). Calls both in flight at once are not that.
again, concurrent = 0, 0
for k, rs in journaled.items():
    rs.sort(key=lambda r: ms(r["finished_at"]))
    first_done = ms(rs[0]["finished_at"])
    for r in rs[1:]:
        if ms(r["finished_at"]) - int(r.get("latency_ms") or 0) >= first_done:
            again += 1
        else:
            concurrent += 1
unjournaled = sum(max(0, n - len(journaled.get(k, []))) for k, n in paid.items())
status = open(os.path.join(T, "status.txt")).read()
passed = re.search(step + r" passed\s+(\d+)", status)
def from_run_logs(pattern):
    """The groups of pattern in each run's log (run-1.log, run-2.log) that has it, as numbers."""
    found = []
    for n in ("1", "2"):
        p = os.path.join(T, "run-%s.log" % n)
        m = re.search(pattern, open(p).read()) if os.path.exists(p) else None
        if m:
            found.append(tuple(float(x) if "." in x else int(x) for x in m.groups()))
    return found

summaries = from_run_logs(r"LLM requests (\d+) \(retries (\d+), 429s (\d+)\)")

out = []
def say(k, v):
    out.append("%-52s %s" % (k, v) if len(k) <= 52 else k + "\n  " + str(v))

say("step", step)
say("tasks / distinct prompts", "%d / %d" % (len(manifest), len(prompts)))
say("pass:true at the end (hipforge status)", passed.group(1) if passed else "?")
say("exit code", rc1 + ("" if not rc2 else ", rerun: " + rc2))
say("wall time of the step (s)", wall)
say("paid answers (simulator 200s)", "%d = %.2f per prompt" % (len(answers), len(answers) / max(1, len(prompts))))
say("prompts paid more than once", "%d (%d extra answers)" % (sum(1 for n in paid.values() if n > 1), sum(n - 1 for n in paid.values() if n > 1)))
say("prompts never answered", len(prompts - set(paid)))
say("journal lines / distinct prompts journaled", "%d / %d" % (len(final), len(journaled)))
say("JOURNALED ANSWERS PAID AGAIN (target 0)", again)
say("answers paid while the same prompt was in flight", concurrent)
say("paid but never journaled (in flight at a kill)", unjournaled)
for i, (req, retries, r429) in enumerate(summaries):
    say("client summary" + (" (rerun)" if i else ""), "requests %d, retries %d, 429s %d" % (req, retries, r429))
# Cost: what the client's summary said (from its run's journal) against what the simulator billed
# (the usage of every answer it served with 200, repeats and answers lost in flight included).
price_in, price_out = float(sys.argv[9]), float(sys.argv[10])
stats = [json.load(open(os.path.join(T, f))) for f in ("stats.base", "stats.end")]
billed_in = stats[1]["billed_prompt_tokens"] - stats[0]["billed_prompt_tokens"]
billed_out = stats[1]["billed_completion_tokens"] - stats[0]["billed_completion_tokens"]
reported = from_run_logs(r"tokens in/out (\d+)/(\d+), estimated cost \$([0-9.]+) in this run")
say("billed by the simulator: tokens in/out, cost", "%d/%d, $%.4f" % (billed_in, billed_out,
    billed_in / 1e6 * price_in + billed_out / 1e6 * price_out))
say("the client's summary: tokens in/out, cost", " + ".join("%d/%d, $%.4f" % r for r in reported) or "none printed")
ts = sorted(ms(r["finished_at"]) for r in final)
if ts:
    start = ts[0] + 10000
    late = [t for t in ts if t >= start]
    say("LLM phase, first to last answer (s)", "%.1f" % ((ts[-1] - ts[0]) / 1000))
    if len(late) > 1 and ts[-1] > start:
        r = len(late) / ((ts[-1] - start) / 60000)
        say("achieved RPM after the first 10 s", "%.1f = %.3f x %d (journal finished_at)" % (r, r / rpm, rpm))
    win = Counter(int((t - ts[0]) // 10000) for t in ts)
    say("answers per 10 s window", " ".join(str(win.get(w, 0)) for w in range(max(win) + 1)))
    # Each worker (one journal file per CallLlm instance) paces itself to its TaskManager's share;
    # once one runs out of tasks, its share of the budget goes unused.
    workers = defaultdict(list)
    for r in final:
        workers[r["_worker"]].append(ms(r["finished_at"]))
    say("answers per journal file (last answer, s)", ", ".join(
        "%d (+%.1f)" % (len(v), (max(v) - ts[0]) / 1000) for v in sorted(workers.values(), key=max)))
    first_done = min(max(v) for v in workers.values())
    busy = [t for t in ts if start <= t <= first_done]
    if not killed and len(busy) > 1 and first_done > start:
        say("RPM from +10 s until a worker ran out", "%.1f = %.3f x %d (%.1f s)" % (
            len(busy) / ((first_done - start) / 60000), len(busy) / ((first_done - start) / 60000) / rpm,
            rpm, (first_done - start) / 1000))
if killed:
    for name in ("before-kill", "at-kill", "before-restart"):
        keys = {key(r) for r in journal(os.path.join(T, "snap-" + name))}
        logged = int(open(os.path.join(T, "snap-%s.requests" % name)).read().split()[0])
        after = Counter(log[logged:])
        again_snap = sorted(k for k in keys if after.get(k, 0) > 0)
        say("journaled %s: prompts" % name, "%d (simulator had answered %d)" % (len(keys), logged - base))
        say("  of them paid again after that point (must be 0)", len(again_snap))
print("\n".join(out))
PY
