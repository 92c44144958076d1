# Shared set-up of the benchmark scripts (every *.sh here), sourced by them, not run: their
# arguments and settings, the jar (built when missing, copied so a rebuild during a run cannot change it)
# and the launcher's JVM flags, the temporary directory and its clean-up, the simulated LLM in its
# own process with its provider config, the generated HIP corpus, and the counting of the
# simulator's requests log (one line per answer served = what a provider bills) and of the journal.
#
# Before sourcing, a script sets NAME (the prefix of its messages). It then calls, in this order:
#   defaults VAR=VALUE...              each VAR from the environment, else VALUE
#   pick_scenarios "$@"                SCENARIOS=(the arguments, each one of ALL_SCENARIOS) or all
#   make_tmp PREFIX                    T=<new temporary directory>; clean-up on exit (KEEP=1 keeps T)
#   use_jar JAR [HEAP]                 builds JAR when missing, copies it to $T; HF=(java ... Main)
#   start_sim OUT REQLOG [FLAGS...]    a fresh simulator (SIM_PID, URL); launch_sim: one more
#   write_config FILE URL [FIELDS]     the provider "sim" at URL
# Its own clean-up goes in a function cleanup_more (called first on exit), its background
# processes in PIDS.
# shellcheck shell=bash

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEEP="${KEEP:-0}"

say() { echo "$NAME: $*"; }
usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; } # the header
bad_argument() { echo "$NAME: unknown argument '$1'" >&2; usage >&2; exit 2; }

defaults() { # VAR=VALUE...: each VAR keeps a non-empty value from the environment, else gets VALUE
  local kv k
  for kv in "$@"; do
    k="${kv%%=*}"
    [ -n "${!k:-}" ] || printf -v "$k" '%s' "${kv#*=}"
  done
}

pick_scenarios() { # ARGS...: SCENARIOS = ARGS (each one of ALL_SCENARIOS), or all of them; -h, --help
  SCENARIOS=()
  local a
  for a in "$@"; do
    case " ${ALL_SCENARIOS[*]} " in
      *" $a "*) SCENARIOS+=("$a") ;;
      *) if [ "$a" = -h ] || [ "$a" = --help ]; then usage; exit 0; fi
         bad_argument "$a" ;;
    esac
  done
  [ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=("${ALL_SCENARIOS[@]}")
}
die() { echo "$NAME: ERROR: $*" >&2; exit 1; }
now() { date +%s.%N; }

# The JVM flags Flink and Beam need on Java 17: the launcher's list (JAVA_OPENS in ./hipforge), read
# from it so that it has one home.
eval "$(sed -n '/^JAVA_OPENS=(/,/^)/p' "$REPO/hipforge")"
[ "${#JAVA_OPENS[@]}" -gt 0 ] || { echo "$NAME: ERROR: no JAVA_OPENS list in $REPO/hipforge" >&2; exit 1; }

T=""
SIM_PID=""
LAUNCHED=""
PIDS=()
MOUNTS=()
cleanup() {
  local rc=$?
  if declare -F cleanup_more >/dev/null; then cleanup_more || true; fi
  for p in "${PIDS[@]}" "$SIM_PID" "$LAUNCHED"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
  if [ -n "$T" ]; then
    if [ "$KEEP" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
  fi
  exit "$rc"
}

make_tmp() { # PREFIX: T, removed on exit unless KEEP=1
  T="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
}

use_jar() { # JAR [HEAP]: builds JAR when missing, copies it into $T; HF=(java <flags> -cp <copy> Main)
  local jar="$1"
  if [ ! -f "$jar" ]; then
    say "building $jar (missing)"
    (cd "$REPO" && mvn -B -o -q -Dmaven.test.skip=true -pl pipeline -am package)
  fi
  cp "$jar" "$T/hipforge.jar"
  say "jar: $jar ($(date -u -r "$jar" '+%Y-%m-%dT%H:%M:%SZ')), copied to $T/hipforge.jar"
  HF=(java "-Xmx${2:-2g}" "${JAVA_OPENS[@]}" -Djava.util.logging.config.file="$REPO/pipeline/logging.properties"
    -cp "$T/hipforge.jar" org.hipforge.pipeline.Main)
}
hipforge() { "${HF[@]}" "$@"; }

write_kernels() { # DIR N: N small distinct HIP kernels DIR/k_<i>.hip
  mkdir -p "$1"
  for ((i = 1; i <= $2; i++)); do
    printf '__global__ void k_%d(float* x, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) x[i] = x[i] * %d.0f + %d.0f;\n}\n' \
      "$i" "$i" "$((i % 7))" >"$1/k_$i.hip"
  done
}

launch_sim() { # OUT [SIMULATOR FLAGS...]: a simulator in the background; LAUNCHED (pid), LAUNCHED_URL
  local out="$1"
  shift
  java -cp "$T/hipforge.jar" org.hipforge.llmsim.SimulatedLlmServer --port=0 "$@" >"$out" 2>&1 &
  LAUNCHED=$!
  LAUNCHED_URL=""
  for _ in $(seq 1 120); do
    LAUNCHED_URL="$(sed -n 's/^SIMULATED LLM listening on //p' "$out")"
    [ -n "$LAUNCHED_URL" ] && return 0
    kill -0 "$LAUNCHED" 2>/dev/null || { cat "$out" >&2; die "the simulator exited"; }
    sleep 0.5
  done
  die "the simulator did not print its URL within 60 s"
}

start_sim() { # OUT REQLOG [SIMULATOR FLAGS...]: stops the previous one; SIM_PID, URL
  local out="$1" reqlog="$2"
  shift 2
  if [ -n "$SIM_PID" ]; then
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
  fi
  : >"$reqlog"
  launch_sim "$out" --requests-log="$reqlog" "$@"
  SIM_PID="$LAUNCHED"
  URL="$LAUNCHED_URL"
}

stop_sim() {
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null || true
}

write_config() { # FILE URL [FIELDS]: provider "sim" (model "m", no key) at URL; FIELDS e.g. '"rpm": 600'
  cat >"$1" <<EOF
{"sim": {"api": "openai", "base_url": "$2", "model": "m", "api_key_env": "UNSET_VAR", ${3:+$3, }"timeout_s": 30}}
EOF
}

# The simulator's requests log: one prompt key per answer it served.
requests_paid() { wc -l <"$1" 2>/dev/null || echo 0; }          # LOG: answers served (paid)
requests_distinct() { sort -u "$1" | wc -l; }                   # LOG: distinct prompts answered
requests_repeated() { sort "$1" | uniq -d | wc -l; }            # LOG: prompts answered more than once
journal_lines() { cat "$1/state/$2/journal"/*/*.jsonl 2>/dev/null | wc -l; } # WORK STEP
