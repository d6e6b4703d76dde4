#!/usr/bin/env python3
"""Counts the corpus (program, kernel) cells whose verdict changed between two `compat check --format json` runs, by the
reason codes of the new verdict (a cell counts once per distinct failing/unknown code).
Usage:
  K=$(for d in ../shared/corpus/btf/*/; do echo --kernel ${d%/}; done)
  compat check $(find ../shared/corpus/objects -name '*.o' | sort) $K --format json > after.json   # same for before.json at the base commit
  python3 scripts/corpus-verdict-diff.py before.json after.json"""
import json, sys, collections

def cells(path):
    doc = json.load(open(path))
    out = {}
    for o in doc["objects"]:
        for p in o["programs"]:
            for r in p["results"]:
                out[(o["path"], p["name"], r["kernel"])] = r
    return out

before, after = cells(sys.argv[1]), cells(sys.argv[2])
changed = collections.Counter()
transitions = collections.Counter()
kernels = collections.Counter()
notes = {"kfunc-tags-unavailable", "kfunc-flags-unavailable", "weak-kfunc-incompatible", "weak-kfunc-disabled", "map-sized-at-runtime", "rodata-as-shipped"}
for key, a in after.items():
    b = before.get(key)
    if b is None or b["verdict"] == a["verdict"]:
        continue
    transitions[f'{b["verdict"]} -> {a["verdict"]}'] += 1
    kernels[key[2].split("/")[-1]] += 1
    codes = {r["code"] for r in a["reasons"] if r["code"] not in notes} or {"(none: now loads)"}
    for c in codes:
        changed[c] += 1
print(f"cells: {len(after)} (before {len(before)}); verdict changed: {sum(transitions.values())}")
for t, n in transitions.most_common(): print(f"  {t}: {n}")
print("by reason code of the new verdict:")
for c, n in changed.most_common(): print(f"  {c}: {n}")
print("by kernel:")
for k, n in sorted(kernels.items()): print(f"  {k}: {n}")
# Cells whose verdict stayed but whose failing / unknown codes changed (e.g. kfunc-missing -> kfuncs-unsupported on 5.10).
recoded = collections.Counter()
for key, a in after.items():
    b = before.get(key)
    if b is None or b["verdict"] != a["verdict"]:
        continue
    ca = {r["code"] for r in a["reasons"] if r["code"] not in notes}
    cb = {r["code"] for r in b["reasons"] if r["code"] not in notes}
    if ca != cb:
        recoded[f'{",".join(sorted(cb))} -> {",".join(sorted(ca))}'] += 1
print(f"same verdict, codes changed: {sum(recoded.values())}")
for t, n in recoded.most_common(): print(f"  {t}: {n}")
