"""Helpers for the CLI tests. Where the CLI is: $POLYSCORE_BUILD_DIR/polyscore (default build/polyscore)."""
import json
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
BUILD_DIR = pathlib.Path(os.environ.get("POLYSCORE_BUILD_DIR", ROOT / "build"))
CLI = BUILD_DIR / "polyscore"
FRAUD_MODEL = ROOT / "examples" / "fraud" / "fraud-v3.json"

# The round-trip test calls the same library through the Python binding.
if not os.environ.get("POLYSCORE_LIBRARY") and (BUILD_DIR / "libpolyscore.so.1").exists():
    os.environ["POLYSCORE_LIBRARY"] = str(BUILD_DIR / "libpolyscore.so.1")

with open(VECTORS / "manifest.json") as f:
    CASES = {c["name"]: c for c in json.load(f)["cases"]}


