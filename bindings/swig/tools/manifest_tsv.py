#!/usr/bin/env python3
"""Turns a vectors manifest (tests/vectors/manifest.json, tests/vectors/offsets/
manifest.json) into tab-separated lines for the Tcl tests, one per (case, output):
name model input dtype iteration_begin iteration_end num_features output expected_file
rows library base_margin (paths relative to the manifest's folder; a field a case does
not have is its default: float64, 0, 0, and "" for base_margin)."""
import json
import sys

manifest, out = sys.argv[1], sys.argv[2]
with open(manifest) as f:
    cases = json.load(f)["cases"]
with open(out, "w") as f:
    for c in cases:
        for kind in sorted(c["outputs"]):
            o = c["outputs"][kind]
            f.write("\t".join(str(v) for v in (
                c["name"], c["model"], c["input"], c.get("dtype", "float64"),
                c.get("iteration_begin", 0), c.get("iteration_end", 0), c["num_features"], kind,
                o["file"], o["shape"][0], c["library"], c.get("base_margin", ""))) + "\n")
