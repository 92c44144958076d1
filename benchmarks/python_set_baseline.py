#!/usr/bin/env python3
"""The older scripts' method, as the figure to beat: pending = manifest ids - ids whose latest
state record passed, with a plain Python set, over the DataPathBenchmark's generated inputs.

usage: python3 benchmarks/python_set_baseline.py /tmp/hipforge-datapath/n1000000
"""
import glob
import json
import os
import sys
import time

work = sys.argv[1]
start = time.time()
manifest = {}
with open(os.path.join(work, "manifest.jsonl")) as f:
    for line in f:
        e = json.loads(line)
        manifest[e["id"]] = e.get("sha256")
latest = {}
for path in glob.glob(os.path.join(work, "state/describe/*/part-*.jsonl")):
    with open(path) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue  # torn line
            key = (r.get("finished_at", ""), r.get("run_id", ""), r.get("attempts", 0))
            old = latest.get(r["id"])
            if old is None or key > old[0]:
                latest[r["id"]] = (key, r["pass"], r.get("source_sha256"))
done = {i for i, (_, ok, sha) in latest.items() if ok and sha == manifest.get(i)}
pending = set(manifest) - done
print(f"python set: {len(pending)} pending of {len(manifest)}, {time.time() - start:.2f} s")
