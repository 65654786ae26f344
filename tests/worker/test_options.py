"""`polyscore worker` refuses a bad command line or an unusable model with a message
that names the problem, and stops cleanly on SIGTERM."""
import subprocess

from harness import BUILD, FRAUD_MODEL, free_port


def worker(*args):
    return subprocess.run([str(BUILD / "polyscore"), "worker", *args], capture_output=True,
                          text=True, timeout=30)


def test_no_models_is_a_usage_error():
    r = worker("--nats", "nats://127.0.0.1:1")
    assert r.returncode == 2 and "no models" in r.stderr


def test_a_dedup_window_shorter_than_redelivery_is_refused():
    r = worker("--model", f"m={FRAUD_MODEL}", "--ack-wait-ms", "10000", "--dedup-window-ms", "15000")
    assert r.returncode == 2 and "at least twice --ack-wait-ms" in r.stderr


def test_a_model_that_cannot_load_names_the_file(tmp_path):
    r = worker("--model", f"m={tmp_path}/missing.json")
    assert r.returncode == 1
    assert "cannot load model 'm'" in r.stderr and "missing.json" in r.stderr and "PS_ERR_IO" in r.stderr


def test_no_broker_is_reported():
    r = worker("--model", f"m={FRAUD_MODEL}", "--nats", f"nats://127.0.0.1:{free_port()}")
    assert r.returncode == 1 and "cannot connect to nats://127.0.0.1:" in r.stderr


def test_sigterm_stops_cleanly(broker, make_worker):
    w = make_worker()
    assert w.stop() == 0
    assert "polyscore-worker: stopping" in w.text()
