#!/usr/bin/env bash
# Batch mode (issue 13) on the built jar against a loopback simulated LLM in its own process (its
# Batch API endpoints: --batch-delay-ms, --batch-line-error-rate, --batch-expire-rate):
#   big    BIG_TASKS=10000 tasks, describe --mode=batch, batches ending after BIG_DELAY_MS: wall,
#          the requests the client made (Batch API calls by kind; synchronous chat requests),
#          batches created, answers billed, peak RSS of the hipforge JVM (/usr/bin/time -v)
#   cost   COST_TASKS=1000 tasks described twice, once sync and once --mode=batch, with the same
#          prices in the config: the cost each run's summary reports
#   kill   a run stopped at each point of the ledger (the driver's test hook halts the JVM as
#          kill -9 would: after-intent after-upload after-create while-polling while-journaling;
#          and a real SIGKILL while the batch runs), then the same command again: exit codes,
#          batches created, answers billed, answers paid twice (target 0)
#
#   benchmarks/batch-mode.sh [big] [cost] [kill]    (default: all three)
#
# Settings: BIG_TASKS=10000 BIG_DELAY_MS=30000 COST_TASKS=1000 KILL_TASKS=200 KILL_DELAY_MS=3000
# KILL_POINTS="after-intent ... sigkill" WIRE=openai (or anthropic) KEEP=0. Uses pipeline/target/hipforge.jar (built only when missing).
set -euo pipefail

NAME=batch-mode
# shellcheck source=benchmarks/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ALL_SCENARIOS=(big cost kill)
pick_scenarios "$@"
defaults BIG_TASKS=10000 BIG_DELAY_MS=30000 COST_TASKS=1000 KILL_TASKS=200 KILL_DELAY_MS=3000 WIRE=openai
PRICES='"input_price_per_mtok": 3, "output_price_per_mtok": 15'

make_tmp hipforge-batch-mode
use_jar "$REPO/pipeline/target/hipforge.jar" 2g

ROWS=()
row() { ROWS+=("$*"); say "RESULT $*"; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }
stats() { curl -s "${URL%/v1}/sim/stats"; }
stat() { stats | python3 -c "import json,sys; s=json.load(sys.stdin); print(s$1)"; } # e.g. stat '["requests"]'

config() { # FILE
  cat >"$1" <<JSON
{"sim": {"api": "$WIRE", "base_url": "$URL", "model": "m", "api_key_env": "UNSET_VAR", "timeout_s": 30, $PRICES}}
JSON
}

# NAME TASKS: sources, manifest, a fresh simulator (extra flags after); sets W, SRC, CFG, REQLOG
setup() {
  local name="$1" tasks="$2"
  shift 2
  SRC="$T/$name/src"
  W="$T/$name/work"
  write_kernels "$SRC" "$tasks"
  REQLOG="$T/$name.requests.log"
  start_sim "$T/$name.sim.out" "$REQLOG" "$@"
  CFG="$T/$name.json"
  config "$CFG"
  hipforge manifest --sourceDir="$SRC" --workDir="$W" >"$T/$name.manifest.log" 2>&1
}

describe() { # LOG [FLAGS...]: sets RC, WALL
  local log="$1"
  shift
  local t0 t1; t0="$(now)"
  RC=0
  hipforge describe --workDir="$W" --sourceDir="$SRC" --config="$CFG" --modelName=sim --quiet "$@" >"$log" 2>&1 || RC=$?
  t1="$(now)"
  WALL="$(secs "$t0" "$t1")"
}

for s in "${SCENARIOS[@]}"; do
  case "$s" in
    big)
      setup big "$BIG_TASKS" --latency-ms=50 --batch-delay-ms="$BIG_DELAY_MS"
      t0="$(now)"
      RC=0
      /usr/bin/time -v -o "$T/big.time" "${HF[@]}" describe --workDir="$W" --sourceDir="$SRC" --config="$CFG" \
        --modelName=sim --quiet --mode=batch >"$T/big.log" 2>&1 || RC=$?
      WALL="$(secs "$t0" "$(now)")"
      RSS="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/big.time")"
      grep -E "batch .* created|batches \[" "$T/big.log" | head -3 | cut -c1-220 | sed 's/^/    /' || true
      row "big | $BIG_TASKS tasks, batch delay ${BIG_DELAY_MS} ms | exit $RC | wall ${WALL} s | peak RSS $((RSS / 1024)) MB" \
        "| batches created $(stat '["batches_created"]') | Batch API calls $(stat '["batch_calls"]') | HTTP requests in all $(stat '["requests"]'), chat requests $(stat '["requests"] - sum(s["batch_calls"].values())')" \
        "| answers billed $(requests_paid "$REQLOG") | paid twice $(requests_repeated "$REQLOG")" \
        "| $(grep -o 'batches created [0-9]*, Batch API requests [0-9]*' "$T/big.log" | head -1)"
      grep -o "finished in .*" "$T/big.log" | cut -c1-400 | sed 's/^/    /' || true
      ;;
    cost)
      setup cost-sync "$COST_TASKS" --latency-ms=20
      describe "$T/cost-sync.log" --maxInFlight=64
      row "cost sync | $COST_TASKS tasks | exit $RC | wall ${WALL} s | $(grep -o 'tokens in/out [0-9/]*, estimated cost \$[0-9.]*' "$T/cost-sync.log" | head -1)"
      setup cost-batch "$COST_TASKS" --latency-ms=20 --batch-delay-ms=2000
      describe "$T/cost-batch.log" --mode=batch
      row "cost batch | $COST_TASKS tasks | exit $RC | wall ${WALL} s | $(grep -o 'tokens in/out [0-9/]* ([^)]*), estimated cost \$[0-9.]* ([^)]*)' "$T/cost-batch.log" | head -1)"
      ;;
    kill)
      for point in ${KILL_POINTS:-after-intent after-upload after-create while-polling while-journaling sigkill}; do
        setup "kill-$point" "$KILL_TASKS" --latency-ms=20 --batch-delay-ms="$KILL_DELAY_MS"
        if [ "$point" = sigkill ]; then
          # The JVM itself (not the hipforge function, whose $! would be a subshell that kill -9 leaves the JVM of).
          "${HF[@]}" describe --workDir="$W" --sourceDir="$SRC" --config="$CFG" --modelName=sim --quiet --mode=batch \
            >"$T/kill-$point.first.log" 2>&1 &
          pid=$!
          for _ in $(seq 1 600); do
            grep -q '"created"' "$W/state/describe/batches/ledger.jsonl" 2>/dev/null && break
            sleep 0.2
          done
          kill -9 "$pid"
          FIRST_RC=0; wait "$pid" || FIRST_RC=$?
        else
          FIRST_RC=0
          java -Xmx2g "${JAVA_OPENS[@]}" -Dhipforge.batch.crashAt="$point" -cp "$T/hipforge.jar" org.hipforge.pipeline.Main \
            describe --workDir="$W" --sourceDir="$SRC" --config="$CFG" --modelName=sim --quiet --mode=batch \
            >"$T/kill-$point.first.log" 2>&1 || FIRST_RC=$?
        fi
        created_first="$(stat '["batches_created"]')"
        describe "$T/kill-$point.rerun.log" --mode=batch
        passed="$(cat "$W"/state/describe/journal/*/*.jsonl 2>/dev/null | grep -c '"pass":true' || true)"
        row "kill $point | first run exit $FIRST_RC (batches created $created_first) | rerun exit $RC, ${WALL} s" \
          "| batches created in all $(stat '["batches_created"]') | answers billed $(requests_paid "$REQLOG") for $KILL_TASKS prompts" \
          "| paid twice $(requests_repeated "$REQLOG") | journaled pass:true $passed"
      done
      ;;
  esac
done

say "wire format $WIRE, $(nproc) cores, $(java -version 2>&1 | head -1)"
for r in "${ROWS[@]}"; do echo "  $r"; done
