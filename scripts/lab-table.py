#!/usr/bin/env python3
"""Agreement table (markdown) from `compat-agent lab --format json` outputs: per kernel cells, agreed, unknown, by class/code."""
import json, sys, collections

rows, classes = [], collections.Counter()
for path in sys.argv[1:]:
    try:
        d = json.load(open(path))
    except (OSError, ValueError) as e:
        print(f"<!-- {path}: no result ({e}) -->"); continue
    s = d["summary"]
    status = "complete" if d["completed"] else f"INCOMPLETE: {d.get('aborted') or d.get('refused')}"
    dis = ", ".join(f"{n} {k}" for k, n in s["disagreements"].items() if not k.startswith("unknown"))
    unk = ", ".join(f"{n} {k.split(' ', 1)[1]}" for k, n in s["disagreements"].items() if k.startswith("unknown"))
    pct = 100.0 * s["agreed"] / s["cells"] if s["cells"] else 0
    rows.append(f"| {d['kernel']['release']} | {s['cells']} | {s['agreed']} ({pct:.1f} %) | {s['unknown']} ({unk or '-'}) | {dis or '-'} | {s['notObserved']} | {d['elapsedSeconds']:.0f} s, {d['accel']}, {status} |")
    classes.update(s["disagreements"])
print("| kernel | cells | agreed | unknown (reason) | disagreements (class reason) | not observed | run |")
print("|---|---|---|---|---|---|---|")
print("\n".join(rows))
print()
print("All kernels, by class and reason code: " + ", ".join(f"{n} × {k}" for k, n in classes.most_common()))
