#!/usr/bin/env bash
# The retry rules and transport refusals of issue 10 item 4 and issue 11 items 1 and 6, measured on
# the built jar against a loopback simulated LLM in its own process (its ProviderQuirks flags):
#   conflict    20 % of requests answered 409                    (retried, as both SDKs do)
#   noretry     20 % answered 500 with x-should-retry: false      (not retried)
#   loading     503 "Loading model" for the first 30 s (llama.cpp) (waited out: retry_budget_s)
#   dailylimit  429 with retry-after: 86400 after 50 answers       (stops the run: exit 6)
#   trickle     30 % of bodies trickle over 20 s, timeout_s 5      (retried at most once)
#   redirect    every chat request answered 307 to a second simulator (exit 5, nothing sent there)
#   huge        every answer 10 MB                                  (too_large_answer, not stored)
#   echo        every answer echoes the API key                     (no key in any file of W)
# and the run-stopping errors of issue 10 item 2:
#   quota       OpenAI 429 insufficient_quota after 50 answers (spend cap)   (exit 4)
#   credit      Anthropic 400 "credit balance is too low" after 50 answers   (exit 4)
#   wrongpath   base_url ending in /v1/chat: 404 on every call                (exit 5)
#   nolisten    nothing listens at base_url                                   (exit 5)
#   badkey      a key the provider rejects (401)                              (exit 3, one line)
# For each: requests the simulator got, the categories of the run's records, exit code, wall time.
#
#   benchmarks/retry-rules.sh [scenario ...]    (default: all)
#
# Settings: TASKS=100 LATENCY_MS=200 MAX_IN_FLIGHT=16 KEEP=0. Uses pipeline/target/hipforge.jar as it
# is (built only when missing), copied first.
set -euo pipefail

NAME=retry-rules
# shellcheck source=benchmarks/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ALL_SCENARIOS=(conflict noretry loading dailylimit trickle redirect huge echo quota credit wrongpath nolisten badkey)
pick_scenarios "$@"
defaults TASKS=100 LATENCY_MS=200 MAX_IN_FLIGHT=16
KEY="sk-bench-echo-0f1e2d3c4b5a69788796a5b4c3d2e1f0"

make_tmp hipforge-retry-rules
use_jar "$REPO/pipeline/target/hipforge.jar" 2g
SRC="$T/src"
write_kernels "$SRC" "$TASKS"

ROWS=()
row() { ROWS+=("$*"); say "RESULT $*"; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }
sim_requests() { curl -s "${URL%/v1}/sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }

# The run's records by category: "pass" or the error_msg's category (its records, not the journal).
categories() { # WORK
  python3 - "$1" <<'PY'
import collections, glob, json, os, sys
c = collections.Counter()
for f in glob.glob(os.path.join(sys.argv[1], "state/describe/*/part-*.jsonl")):
    for line in open(f, encoding="utf-8"):
        r = json.loads(line)
        c["pass" if r.get("pass") else (r.get("error_msg") or "?").split(":")[0]] += 1
print(", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "no records")
PY
}

# SCENARIO TIMEOUT_S [SIMULATOR FLAGS...]: describe all tasks against a fresh simulator; sets RC, WALL, W
run_case() {
  local name="$1" timeout="$2"
  shift 2
  start_sim "$T/$name.sim.out" "$T/$name.requests.log" --latency-ms="$LATENCY_MS" "$@"
  # API=anthropic speaks the Messages API; BASE replaces base_url (a closed port), SUFFIX extends it (a wrong path).
  cat >"$T/$name.json" <<JSON
{"sim": {"api": "${API:-openai}", "base_url": "${BASE:-$URL}${SUFFIX:-}", "model": "m", "api_key_env": "HIPFORGE_BENCH_KEY", "timeout_s": $timeout}}
JSON
  W="$T/$name/work"
  hipforge manifest --sourceDir="$SRC" --workDir="$W" >"$T/$name.manifest.log" 2>&1
  local t0 t1; t0="$(now)"
  RC=0
  HIPFORGE_BENCH_KEY="$KEY" hipforge describe --workDir="$W" --sourceDir="$SRC" --config="$T/$name.json" --modelName=sim \
    --maxInFlight="$MAX_IN_FLIGHT" >"$T/$name.log" 2>&1 || RC=$?
  t1="$(now)"
  WALL="$(secs "$t0" "$t1")"
  grep -E "STOPPED|FAILED|not ready|asks to wait" "$T/$name.log" | head -3 | cut -c1-300 | sed 's/^/    /' || true
  LINES="$(wc -l <"$T/$name.log")"
}

report() { # NAME EXTRA
  row "$1 | requests $(sim_requests) | $(categories "$W") | exit $RC | ${WALL} s${2:+ | $2}"
}

for s in "${SCENARIOS[@]}"; do
  case "$s" in
    conflict) run_case conflict 30 --fault-409=0.2; report conflict ;;
    noretry) run_case noretry 30 --fault-500=0.2 --should-retry=false; report noretry ;;
    loading) run_case loading 30 --loading-ms=30000; report loading "wait lines: $(grep -c 'not ready' "$T/loading.log" || true)" ;;
    dailylimit) run_case dailylimit 30 --daily-limit=50 --daily-retry-after-s=86400
      report dailylimit "journaled $(journal_lines "$W" describe)" ;;
    trickle) run_case trickle 5 --trickle=0.3 --trickle-ms=20000; report trickle "$(grep -o "retries [0-9]*" "$T/trickle.log" | head -1)" ;;
    redirect)
      launch_sim "$T/target.sim.out"
      PIDS+=("$LAUNCHED")
      TARGET="$LAUNCHED_URL"
      run_case redirect 30 --redirect-to="${TARGET%/v1}"
      report redirect "requests at the redirect target $(curl -s "${TARGET%/v1}/sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')" ;;
    huge) run_case huge 30 --answer-bytes=10485760; report huge "largest file in W $(find "$W" -type f -printf '%s\n' | sort -n | tail -1) bytes" ;;
    quota) run_case quota 30 --quota-after=50; report quota "journaled $(journal_lines "$W" describe), output lines $LINES" ;;
    credit) API=anthropic run_case credit 30 --quota-after=50; report credit "journaled $(journal_lines "$W" describe), output lines $LINES" ;;
    wrongpath) SUFFIX=/chat run_case wrongpath 30; report wrongpath "output lines $LINES" ;;
    nolisten) PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
      BASE="http://127.0.0.1:$PORT/v1" run_case nolisten 30; report nolisten "requests at base_url 0 (nothing listens), output lines $LINES" ;;
    badkey) run_case badkey 30 --api-key=sk-the-right-one-0000000000000000; report badkey "output lines $LINES" ;;
    echo) run_case echo 30 --echo-key=true
      report echo "files in W holding the key $(grep -rlF "$KEY" "$W" | wc -l), records saying <redacted> $(grep -rlF '<redacted>' "$W"/state/describe/*/part-*.jsonl 2>/dev/null | xargs cat 2>/dev/null | grep -c '<redacted>')" ;;
  esac
done

say "$TASKS tasks, latency ${LATENCY_MS} ms, --maxInFlight=$MAX_IN_FLIGHT, embedded Flink ($(nproc) cores)"
for r in "${ROWS[@]}"; do echo "  $r"; done
