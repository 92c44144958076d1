#!/usr/bin/env bash
# The issue-10 rows about 200 answers that are not usable, measured against the simulated
# provider in its own process: per case a fresh work directory of TASKS kernels, `describe` once
# (requests sent, categories recorded, exit code, wall time) and once more (requests of the rerun).
# The generate case describes with a plain provider, then generates against one that cuts answers.
#
#   benchmarks/answer-categories.sh          (TASKS=100 LATENCY_MS=50; ONLY=text runs the cases
#                                             whose name contains text, e.g. ONLY=baseline)
#
# Requests are the simulator's own count (GET /sim/stats), categories the latest record per id in
# the state (journals and shards), tokens the run's journal (what the provider billed).
set -euo pipefail
NAME=answer-categories
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
defaults TASKS=100 LATENCY_MS=50
command -v python3 >/dev/null || die "python3 is needed for the counting"

make_tmp hipforge-answers
use_jar "$REPO/pipeline/target/hipforge.jar"
SRC="$T/src"
write_kernels "$SRC" "$TASKS"

config() { # FILE URL API
  cat >"$1" <<JSON
{"sim": {"api": "$3", "base_url": "$2", "model": "m", "api_key_env": "UNSET_VAR", "timeout_s": 30}}
JSON
}

requests() { curl -s "${URL%/v1}/sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }

run_step() { # DIR LABEL STEP: runs STEP, prints "rc seconds"
  local dir="$1" label="$2" step="$3" s rc=0
  s="$(now)"
  hipforge "$step" --workDir="$dir/work" --sourceDir="$SRC" --config="$dir/config.json" --modelName=sim \
    --quiet >"$dir/$label.log" 2>&1 || rc=$?
  echo "$rc $(python3 -c "print(round($(now) - $s, 1))")"
}

report() { # DIR CASE STEP REQ1 RC1 T1 REQ2
  python3 - "$@" <<'PY'
import json, os, sys, glob
d, case, step, req1, rc1, t1, req2 = sys.argv[1:]
latest = {}
def key(r):
    return (r.get("finished_at") or "", r.get("run_id") or "", r.get("attempts") or 0, r.get("pass"))
for f in glob.glob(f"{d}/work/state/{step}/**/*.jsonl", recursive=True):
    for line in open(f, encoding="utf-8"):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r["id"] not in latest or key(r) > key(latest[r["id"]]):
            latest[r["id"]] = r
cats = {}
for r in latest.values():
    c = "pass" if r["pass"] else r["error_msg"].split(":")[0]
    cats[c] = cats.get(c, 0) + 1
tin = tout = est = cache = 0
for f in glob.glob(f"{d}/work/state/{step}/journal/*/*.jsonl"):
    for line in open(f, encoding="utf-8"):
        r = json.loads(line)
        tin += r.get("input_tokens", 0); tout += r.get("output_tokens", 0)
        est += 1 if r.get("tokens_estimated") else 0
        cache += r.get("cache_creation_input_tokens", 0) + r.get("cache_read_input_tokens", 0)
think = sum(1 for r in latest.values() if "<think>" in (r.get("instruction") or ""))
extra = []
if est: extra.append(f"{est} tokens_estimated")
if cache: extra.append(f"cache tokens {cache}")
if think: extra.append(f"{think} instructions with <think>")
print(f"| {case} | {req1} | {', '.join(f'{k} {v}' for k, v in sorted(cats.items()))} | "
      f"{tin}/{tout}{' (' + '; '.join(extra) + ')' if extra else ''} | {rc1} | {t1} s | {req2} |")
PY
}

defaults ONLY=
describe_case() { # CASE API SIMFLAGS...
  [[ -z "$ONLY" || "$1" == *"$ONLY"* ]] || return 0
  local case="$1" api="$2" dir
  shift 2
  dir="$T/$(echo "$case" | tr -c 'a-zA-Z0-9' '_')"
  mkdir -p "$dir"
  start_sim "$dir/sim.out" "$dir/requests.log" --latency-ms="$LATENCY_MS" "$@"
  config "$dir/config.json" "$URL" "$api"
  hipforge manifest --sourceDir="$SRC" --workDir="$dir/work" >"$dir/manifest.log" 2>&1
  read -r rc1 t1 < <(run_step "$dir" first describe)
  local req1; req1="$(requests)"
  run_step "$dir" second describe >/dev/null
  local req2; req2=$(( $(requests) - req1 ))
  report "$dir" "$case" describe "$req1" "$rc1" "$t1" "$req2"
}

say "$TASKS tasks per case, simulator latency $LATENCY_MS ms; $(nproc) cores"
echo "| case | requests | categories recorded | tokens in/out billed | exit | wall | rerun requests |"
echo "|---|---|---|---|---|---|---|"
describe_case "plain answers (baseline)" openai
describe_case "OpenAI content null + refusal" openai --answer-refusal=1
describe_case "Anthropic stop_reason refusal" anthropic --answer-refusal=1
describe_case "refusal as plain text (\"I'm sorry, but I can't help…\")" openai --answer-refusal-as-text=1
describe_case "finish_reason content_filter, content null" openai --answer-content-filter=1
describe_case "finish_reason length" openai --answer-truncated=1
describe_case "Anthropic stop_reason max_tokens" anthropic --answer-truncated=1
describe_case "reasoning cut, content null" openai --answer-reasoning-cut=1
describe_case "Anthropic thinking only, max_tokens" anthropic --answer-reasoning-cut=1
describe_case "choices: []" openai --answer-no-choices=1
describe_case "content as an array of parts" openai --answer-parts=1
describe_case "inline <think>…</think>" openai --answer-think=1
describe_case "missing usage" openai --answer-no-usage=1
describe_case "Anthropic cache tokens" anthropic --answer-cache-tokens=1
describe_case "mixed: 10 % each of refusal, filter, length, parts, think" openai --answer-refusal=0.1 \
  --answer-content-filter=0.1 --answer-truncated=0.1 --answer-parts=0.1 --answer-think=0.1

# generate: described by a plain provider, then every generate answer cut at max_tokens.
[[ -z "$ONLY" || "generate" == *"$ONLY"* ]] || exit 0
dir="$T/generate_length"
mkdir -p "$dir"
start_sim "$dir/sim.out" "$dir/requests.log" --latency-ms="$LATENCY_MS"
config "$dir/config.json" "$URL" openai
hipforge manifest --sourceDir="$SRC" --workDir="$dir/work" >"$dir/manifest.log" 2>&1
run_step "$dir" describe describe >/dev/null
start_sim "$dir/sim2.out" "$dir/requests2.log" --latency-ms="$LATENCY_MS" --answer-truncated=1
config "$dir/config.json" "$URL" openai
read -r rc1 t1 < <(run_step "$dir" first generate)
req1="$(requests)"
run_step "$dir" second generate >/dev/null
req2=$(( $(requests) - req1 ))
report "$dir" "generate: finish_reason length" generate "$req1" "$rc1" "$t1" "$req2"
