"""`polyscore predict --shap-algorithm auto|treeshap|quadrature` (ps_predict_options.
shap_algorithm): the SHAP arithmetic of --output contrib and interactions.

The xgb34_ vectors are XGBoost 3.4.1's QuadratureTreeSHAP: auto (the file's library) and
quadrature give them bit for bit; treeshap gives XGBoost 3.2.0's explanation of the same
file instead (tests/vectors/shap_algorithms). The xgb3_ (XGBoost 3.2.0) vectors are exact
TreeSHAP: auto and treeshap give them; quadrature gives XGBoost 3.4.1's explanation of
that file. The printed text is the shortest that reads back as the same double, so equal
floats are equal bits.
"""
import json

import pytest

from cli_util import CASES, VECTORS

NAMES = "auto, treeshap, quadrature"
CROSS = VECTORS / "shap_algorithms"
with open(CROSS / "manifest.json") as f:
    CROSS_CASES = {c["name"]: c for c in json.load(f)["cases"]}


def parse(stdout):
    return [[float(v) for v in line.split(",")] for line in stdout.splitlines()]


def read_csv(path):
    with open(path) as f:
        return [[float(v) for v in line.strip().split(",")] for line in f if line.strip()]


def expected_of(case, output):
    spec = case["interactions"] if output == "interactions" else case["outputs"][output]
    return read_csv(VECTORS / spec["file"])


def predict(cli, case, output, *algorithm):
    r = cli("predict", VECTORS / case["model"], "--input", VECTORS / case["input"], "--output", output,
            *algorithm)
    assert r.returncode == 0, r.stderr
    return parse(r.stdout)


def cross_vector(name, output):
    """The other XGBoost's explanation of a case's file: tests/vectors/shap_algorithms."""
    return read_csv(CROSS / CROSS_CASES[name][output]["file"])


@pytest.mark.parametrize("output", ["contrib", "interactions"])
def test_xgboost_34_file_quadrature_by_default(cli, output):
    case = CASES["xgb34_binary_logistic"]
    expected = expected_of(case, output)
    for algorithm in ([], ["--shap-algorithm", "auto"], ["--shap-algorithm", "quadrature"]):
        assert predict(cli, case, output, *algorithm)[:len(expected)] == expected, algorithm
    cross = cross_vector("xgb34_binary_logistic.treeshap", output)  # xgboost 3.2.0's TreeSHAP
    assert cross != expected[:len(cross)]
    assert predict(cli, case, output, "--shap-algorithm", "treeshap")[:len(cross)] == cross


@pytest.mark.parametrize("output", ["contrib", "interactions"])
def test_xgboost_32_file_exact_treeshap_by_default(cli, output):
    case = CASES["xgb3_binary_logistic"]
    expected = expected_of(case, output)
    for algorithm in ([], ["--shap-algorithm", "auto"], ["--shap-algorithm", "treeshap"]):
        assert predict(cli, case, output, *algorithm)[:len(expected)] == expected, algorithm
    cross = cross_vector("xgb3_binary_logistic.quadrature", output)  # xgboost 3.4.1's quadrature
    assert cross != expected[:len(cross)]
    assert predict(cli, case, output, "--shap-algorithm", "quadrature")[:len(cross)] == cross


def test_other_outputs_ignore_it(cli):
    case = CASES["xgb34_binary_logistic"]
    assert predict(cli, case, "margin", "--shap-algorithm", "treeshap") == expected_of(case, "margin")


def test_quadrature_on_lightgbm_is_refused(cli):
    case = CASES["lgb4_binary"]
    r = cli("predict", VECTORS / case["model"], "--input", VECTORS / case["input"], "--output", "contrib",
            "--shap-algorithm", "quadrature")
    assert r.returncode == 1 and r.stdout == ""
    assert "QuadratureTreeSHAP is XGBoost's (3.3+); LightGBM models are explained by exact TreeSHAP" in r.stderr


@pytest.mark.parametrize("args, message", [
    (["--shap-algorithm", "exact"], "--shap-algorithm must be one of %s, not 'exact'" % NAMES),
    (["--shap-algorithm", "TREESHAP"], "--shap-algorithm must be one of %s, not 'TREESHAP'" % NAMES),
    (["--shap-algorithm"], "--shap-algorithm needs one of %s" % NAMES),
])
def test_bad_name_is_a_usage_error(cli, args, message):
    r = cli("predict", "M", "--input", "x", "--output", "contrib", *args)
    assert r.returncode == 2
    assert message in r.stderr


def test_help_names_the_algorithms(cli):
    r = cli("--help")
    assert r.returncode == 0
    assert "[--shap-algorithm auto|treeshap|quadrature]" in r.stdout
    assert "--shap-algorithm (contrib and interactions only)" in r.stdout
