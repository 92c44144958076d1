#!/usr/bin/env bash
# The ways a describe run ends early, measured on the built jar against a loopback simulated LLM
# (its own process, which logs every answer it served = what the provider billed):
#   sigint   Ctrl-C (SIGINT to describe's process group) once STOP_AT answers are journaled
#   sigterm  SIGTERM to describe's process group, the same way
#   diskfull the work directory on a 2 MB tmpfs that a ballast file fills until BALLAST_FREE_KB
#            are left, so the disk fills mid-run
#   readonly the work directory on a tmpfs remounted read-only after the manifest was written
# For each: exit code, answers paid (served 200) vs journaled when the run ended, time from the
# signal to the exit, and the answers paid again by a rerun of the same command (target 0).
#
#   benchmarks/stop-scenarios.sh [sigint] [sigterm] [diskfull] [readonly]   (default: all four)
#
# diskfull and readonly need root (mount -t tmpfs); they are skipped otherwise. Uses
# pipeline/target/hipforge.jar as it is (built only when missing), copied first.
# Settings (environment variables, defaults):
#   TASKS=400 LATENCY_MS=1000 MAX_IN_FLIGHT=64   the issue's setting (embedded Flink, 2 workers)
#   STOP_AT=100          sigint/sigterm: journaled answers before the signal
#   BALLAST_FREE_KB=900  diskfull: free space left on the 2 MB tmpfs (the two workers' journal
#                        reserves take 2 x 64 x 6 KB = 786 KB of it; a journal line is ~0.9 KB)
#   KEEP=0               1 keeps the temporary directory
set -euo pipefail

NAME=stop-scenarios
# shellcheck source=benchmarks/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ALL_SCENARIOS=(sigint sigterm diskfull readonly)
pick_scenarios "$@"
defaults TASKS=400 LATENCY_MS=1000 MAX_IN_FLIGHT=64 STOP_AT=100 BALLAST_FREE_KB=900

make_tmp hipforge-stops
use_jar "$REPO/pipeline/target/hipforge.jar" 4g
SRC="$T/src"
write_kernels "$SRC" "$TASKS"

REQLOG=""
fresh_sim() { # NAME: a fresh simulator with its own requests log ($REQLOG), and $T/config.json for it
  REQLOG="$T/$1.requests.log"
  start_sim "$T/$1.sim.out" "$REQLOG" --latency-ms="$LATENCY_MS"
  write_config "$T/config.json" "$URL"
}

paid() { requests_paid "$REQLOG"; }
journaled() { journal_lines "$1" describe; }
repeats() { requests_repeated "$REQLOG"; }
describe_args() { echo describe --workDir="$1" --sourceDir="$SRC" --config="$T/config.json" --modelName=sim \
  --maxInFlight="$MAX_IN_FLIGHT" --quiet=true; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }

ROWS=()
row() { ROWS+=("$*"); say "RESULT $*"; }

signal_scenario() { # NAME SIGNAL
  local name="$1" sig="$2" W="$T/$1/work"
  mkdir -p "$T/$1"
  fresh_sim "$1"
  hipforge manifest --sourceDir="$SRC" --workDir="$W" >"$T/$1.manifest.log" 2>&1
  local t0; t0="$(now)"
  # Its own process group (like a terminal's foreground job), and SIGINT/SIGTERM back to their
  # defaults: a non-interactive shell starts background jobs with SIGINT ignored, and the JVM
  # keeps an ignored signal ignored.
  setsid env --default-signal=INT,TERM "${HF[@]}" $(describe_args "$W") >"$T/$1.run1.log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null && [ "$(journaled "$W")" -lt "$STOP_AT" ]; do sleep 0.05; done
  kill -0 "$pid" 2>/dev/null || die "$name: describe ended before $STOP_AT answers were journaled ($T/$1.run1.log)"
  local tsig; tsig="$(now)"
  kill -"$sig" -- -"$pid"
  local rc=0
  wait "$pid" || rc=$?
  local texit; texit="$(now)"
  sleep 0.5
  local p j; p="$(paid)"; j="$(journaled "$W")"
  grep -E "^describe: (stopping|stopped)" "$T/$1.run1.log" | sed "s/^/    /" || true
  hipforge $(describe_args "$W") >"$T/$1.run2.log" 2>&1 || die "$name: the rerun failed ($T/$1.run2.log)"
  row "$name | exit $rc | paid $p, journaled $j at the stop | signal to exit $(secs "$tsig" "$texit") s | rerun paid $(( $(paid) - p )), repeats $(repeats)"
}

# SCENARIO SIZE: a fresh simulator and a manifest in a work directory W on a tmpfs D of its own
# (the caller's locals); false when mounting is not allowed (it needs root).
tmpfs_work() {
  D="$T/$1/disk" W="$T/$1/disk/work"
  mkdir -p "$D"
  if ! mount -t tmpfs -o size="$2" tmpfs "$D" 2>/dev/null; then say "$1: skipped (mount -t tmpfs needs root)"; return 1; fi
  MOUNTS+=("$D")
  fresh_sim "$1"
  hipforge manifest --sourceDir="$SRC" --workDir="$W" >"$T/$1.manifest.log" 2>&1
}

diskfull_scenario() {
  local D W
  tmpfs_work diskfull 2m || return 0
  local free_kb; free_kb="$(df -k --output=avail "$D" | tail -1 | tr -d ' ')"
  [ "$free_kb" -gt "$BALLAST_FREE_KB" ] && dd if=/dev/zero of="$D/ballast" bs=1k count=$((free_kb - BALLAST_FREE_KB)) status=none 2>/dev/null || true
  say "diskfull: 2 MB tmpfs, $(df -k --output=avail "$D" | tail -1 | tr -d ' ') KB free after the manifest and the ballast"
  local t0 rc=0; t0="$(now)"
  hipforge $(describe_args "$W") >"$T/diskfull.run1.log" 2>&1 || rc=$?
  local t1; t1="$(now)"
  local p j; p="$(paid)"; j="$(journaled "$W")"
  grep -E 'STOPPED|FAILED' "$T/diskfull.run1.log" | cut -c1-400 | sed 's/^/    /'  || true
  rm -f "$D/ballast"
  mount -o remount,size=64m "$D"
  hipforge $(describe_args "$W") >"$T/diskfull.run2.log" 2>&1 || die "diskfull: the rerun failed ($T/diskfull.run2.log)"
  row "diskfull | exit $rc after $(secs "$t0" "$t1") s | paid $p, journaled $j when it stopped | rerun (ballast removed, tmpfs grown to 64 MB) paid $(( $(paid) - p )), repeats $(repeats)"
}

readonly_scenario() {
  local D W
  tmpfs_work readonly 16m || return 0
  mount -o remount,ro "$D"
  local rc=0
  hipforge $(describe_args "$W") >"$T/readonly.run1.log" 2>&1 || rc=$?
  grep -E 'hipforge describe' "$T/readonly.run1.log" | cut -c1-400 | sed 's/^/    /' || true
  row "readonly | exit $rc | requests sent $(paid)"
}

for s in "${SCENARIOS[@]}"; do
  case "$s" in
    sigint) signal_scenario sigint INT ;;
    sigterm) signal_scenario sigterm TERM ;;
    diskfull) diskfull_scenario ;;
    readonly) readonly_scenario ;;
  esac
done

say "$TASKS tasks, latency ${LATENCY_MS} ms, --maxInFlight=$MAX_IN_FLIGHT, embedded Flink ($(nproc) cores)"
for r in "${ROWS[@]}"; do echo "  $r"; done
