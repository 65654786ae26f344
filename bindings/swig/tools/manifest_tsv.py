#!/usr/bin/env python3
"""Turns tests/vectors/manifest.json into tab-separated lines for the Tcl tests, one
per (case, output): name model input dtype iteration_begin iteration_end num_features
output expected_file rows (paths relative to tests/vectors)."""
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
                c["name"], c["model"], c["input"], c["dtype"], c["iteration_begin"],
                c["iteration_end"], c["num_features"], kind, o["file"], o["shape"][0])) + "\n")
