"""Makes tests/vectors/shap_algorithms/: XGBoost model files explained by an XGBoost
of the other SHAP algorithm (ps_predict_options.shap_algorithm, docs/explain.md).

XGBoost 3.3 replaced exact TreeSHAP with QuadratureTreeSHAP for every file it loads,
whichever version wrote it. The conformance vectors hold each file explained by the
XGBoost that wrote it (PS_SHAP_AUTO's choice); these hold the other one:
  - run with xgboost >= 3.3 ("xgb34" environment of generate.sh): the cases of files
    written by XGBoost < 3.3 (3.2.0, 1.7.6), explained by QuadratureTreeSHAP
    ("quadrature", what polyscore gives with PS_SHAP_QUADRATURE);
  - run with xgboost < 3.3 ("new" environment): the cases of files written by XGBoost
    3.3+, explained by exact TreeSHAP ("treeshap", PS_SHAP_TREESHAP). Files that version
    cannot explain (vector leaves, which it does not define) get a note.
Each case names the conformance case (tests/vectors/manifest.json) whose model and
input rows it uses, and holds pred_contribs for all its rows and pred_interactions for
the first INTERACTION_ROWS rows (XGBoost's layouts, as make_contrib_vectors.py and
make_interaction_vectors.py write them). Each run replaces the cases its XGBoost
version made and keeps the others'. Run by tests/gen/generate.sh after the
conformance vectors.
"""
import argparse
import json
import os
import sys

import numpy as np
import xgboost as xgb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_contrib_vectors import xgb_contrib  # noqa: E402
from make_interaction_vectors import interactions  # noqa: E402
from make_vectors import short_error, write_csv  # noqa: E402

INTERACTION_ROWS = 8  # (features + 1)^2 values per margin and row: a few rows keep it small


def quadrature_version(version):
    major, minor = (int(p) for p in version.split(".")[:2])
    return (major, minor) >= (3, 3)


def explained_here(case):
    """True for a case this XGBoost explains with the other algorithm than its writer's."""
    return (case["library"] == "xgboost" and "margin" in case["outputs"]
            and quadrature_version(case["library_version"]) != quadrature_version(xgb.__version__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="tests/vectors (its manifest.json is read)")
    a = ap.parse_args()
    with open(os.path.join(a.out, "manifest.json")) as f:
        conformance = json.load(f)
    here = os.path.join(a.out, "shap_algorithms")
    path = os.path.join(here, "manifest.json")
    os.makedirs(os.path.join(here, "data"), exist_ok=True)
    explainer = "xgboost " + xgb.__version__
    algorithm = "quadrature" if quadrature_version(xgb.__version__) else "treeshap"
    manifest = {"cases": [], "skipped": []}
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
        manifest["cases"] = [c for c in old["cases"] if c["explained_by"] != explainer]
        manifest["skipped"] = [s for s in old["skipped"] if s["explained_by"] != explainer]
    made = 0
    for case in conformance["cases"]:
        if not explained_here(case):
            continue
        scratch = json.loads(json.dumps(case))  # the helpers add notes; keep the manifest's own
        try:
            contrib = np.asarray(xgb_contrib(scratch, a.out))
        except Exception as e:  # noqa: BLE001 - the library's refusal is the finding
            manifest["skipped"].append({"case": case["name"], "explained_by": explainer,
                                        "why": short_error(e).splitlines()[0]})
            continue
        margin = np.loadtxt(os.path.join(a.out, case["outputs"]["margin"]["file"]), delimiter=",", ndmin=2)
        sums = contrib.reshape(margin.shape[0], margin.shape[1], -1).sum(axis=2, dtype=np.float64)
        if not np.allclose(sums, margin, rtol=1e-4, atol=1e-4):
            manifest["skipped"].append({"case": case["name"], "explained_by": explainer,
                                        "why": "its contributions do not sum to the margin"})
            continue
        name = f"{case['name']}.{algorithm}"
        entry = {"name": name, "case": case["name"], "shap_algorithm": algorithm, "explained_by": explainer,
                 "written_by": f"xgboost {case['library_version']}"}
        rel = f"data/{name}.contrib.csv"
        entry["contrib"] = {"file": rel, "shape": write_csv(os.path.join(here, rel), contrib)}
        try:
            matrix = np.asarray(interactions(scratch, a.out))[:INTERACTION_ROWS]
            rel = f"data/{name}.interactions.csv"
            entry["interactions"] = {"file": rel, "shape": write_csv(os.path.join(here, rel), matrix),
                                     "rows": int(matrix.shape[0])}
        except Exception as e:  # noqa: BLE001 - gblinear, or vector leaves before 3.3
            entry["notes"] = f"no interactions: xgboost says: {short_error(e).splitlines()[0]}"
        if scratch.get("notes") != case.get("notes"):
            entry["notes"] = "; ".join(filter(None, [entry.get("notes"), scratch.get("notes")]))
        manifest["cases"].append(entry)
        made += 1
    manifest["cases"].sort(key=lambda c: c["name"])
    manifest["skipped"].sort(key=lambda s: (s["case"], s["explained_by"]))
    with open(path, "w", newline="\n") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"shap_algorithms: {made} cases explained by {explainer} ({algorithm})")


if __name__ == "__main__":
    main()
