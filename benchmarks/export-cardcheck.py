# Runs the pandas lines of each export's dataset card (README.md) in the export's directory and prints the dtypes.
import os, re, sys
import pandas as pd
for d in ["export", "export-all", "export-msg", "export-arr"]:
    card = open(os.path.join(d, "README.md")).read()
    block = re.search(r"```python\n(.*?)\n\n", card, re.S).group(1)  # the pandas part of the block
    cwd = os.getcwd(); os.chdir(d)
    scope = {}
    exec(block, scope)
    os.chdir(cwd)
    df = scope["df"]
    print(f"== {d}: {len(df)} rows")
    print(", ".join(f"{c}:{t}" for c, t in df.dtypes.items()))
    mixed = [c for c in df.columns if df[c].dtype == object and df[c].dropna().map(type).nunique() > 1]
    print("object columns with mixed Python types:", mixed, "| compiled:", df["compiled"].value_counts().to_dict())
