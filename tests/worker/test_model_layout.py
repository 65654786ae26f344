"""`polyscore worker --models DIR` reads the repository layout `polyscore serve` reads
(docs/serve.md): DIR/<name>/<version>/model.{json,ubj,txt} and DIR/<name>.{json,ubj,txt}
with its optional DIR/<name>.config.json. It serves the newest version of each model and
answers with that version."""
import json
import shutil
import subprocess

from harness import FRAUD_MODEL, predict_request, run
from polyscore.v1 import queue_pb2
from test_request_reply import ask

# examples/fraud/expected.csv: XGBoost's own predict for the row 0.4, 1.2.
FRAUD_SCORE = 0.8551127314567566


def score(broker, model, version=""):
    return run(ask(broker, predict_request("layout", model, [[0.4, 1.2]], version=version)
                   .SerializeToString()))


def test_versioned_and_flat_layouts_serve_the_newest_version(broker, make_worker, tmp_path):
    models = tmp_path / "models"
    for version in ["2", "9"]:  # not models: loading either would fail the start
        (models / "fraud-v3" / version).mkdir(parents=True)
        (models / "fraud-v3" / version / "model.json").write_text("{ not a model")
    (models / "fraud-v3" / "10").mkdir()
    shutil.copy(FRAUD_MODEL, models / "fraud-v3" / "10" / "model.json")  # 10 > 9 > 2
    (models / "fraud-v3" / "config.json").write_text(json.dumps({"threshold": 0.5}))
    shutil.copy(FRAUD_MODEL, models / "flat.json")
    (models / "flat.config.json").write_text(json.dumps({"labels": ["legit", "fraud"]}))
    (models / ".hidden.json").write_text("{ not a model")

    worker = make_worker("--models", str(models), models={})
    assert "ready: 2 model(s)" in worker.text()

    versioned = score(broker, "fraud-v3")
    assert not versioned.HasField("error"), versioned.error.message
    assert (versioned.response.model, versioned.response.version) == ("fraud-v3", "10")
    assert list(versioned.response.values) == [FRAUD_SCORE]

    flat = score(broker, "flat")
    assert (flat.response.version, list(flat.response.values)) == ("1", [FRAUD_SCORE])

    older = score(broker, "fraud-v3", version="9")
    assert older.error.kind == queue_pb2.QUEUE_ERROR_KIND_UNKNOWN_MODEL
    assert "no version '9'" in older.error.message and "'10'" in older.error.message


def test_a_directory_without_models_is_refused(broker, make_worker, tmp_path):
    (tmp_path / "empty" / "fraud-v3" / "1").mkdir(parents=True)  # no model file in it
    worker = make_worker("--models", str(tmp_path / "empty"), models={}, start=False)
    proc = subprocess.run(worker.command(), capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "no models" in proc.stderr and "empty" in proc.stderr
