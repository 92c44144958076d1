#!/usr/bin/env python3
"""A work directory where every task is described (pass:true, current source hash), for timing a
`describe` run that has nothing left to do. Reuses the manifest of a DataPathBenchmark work dir
(a symlink) and writes 8 describe shards.

usage: python3 benchmarks/all_passed_workdir.py /tmp/hipforge-datapath/n1000000 /tmp/hipforge-done/n1000000
"""
import json
import os
import sys

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(dst, "state/describe/run-done"), exist_ok=True)
if not os.path.exists(os.path.join(dst, "manifest.jsonl")):
    os.symlink(os.path.abspath(os.path.join(src, "manifest.jsonl")), os.path.join(dst, "manifest.jsonl"))
shards = [open(os.path.join(dst, "state/describe/run-done/part-%05d-of-00008.jsonl" % i), "w") for i in range(8)]
with open(os.path.join(src, "manifest.jsonl")) as f:
    for line in f:
        e = json.loads(line)
        i = e["id"]
        r = {"id": i, "file_name": e["file_name"], "pass": True,
             "instruction": "Write a HIP program with a __global__ kernel named `kernel_%d` that scales a "
             "float array in place, one element per thread, with a bounds check; the host allocates with "
             "hipMalloc, copies, launches 256-thread blocks and checks every call." % i,
             "source_sha256": e.get("sha256"), "provider": "openai", "model": "gpt-4o-mini",
             "input_tokens": 800, "output_tokens": 200, "latency_ms": 1500, "attempts": 1,
             "finished_at": "2026-09-21T14:13:20.000Z", "run_id": "run-done", "prompt_sha256": "%064x" % i}
        shards[i % 8].write(json.dumps(r, separators=(",", ":")) + "\n")
for s in shards:
    s.close()
