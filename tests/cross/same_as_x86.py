"""Every conformance case's values and margins from the aarch64 CLI (under qemu-user)
are the x86-64 CLI's, byte for byte: the same doubles, not just within the conformance
tolerance. Catches what the tolerance would let through, such as fused multiply-adds or
a libm that rounds differently in an output transform.
usage: same_as_x86.py X86_CLI AARCH64_CLI QEMU_ARGS..."""
import concurrent.futures
import json
import pathlib
import subprocess
import sys

VECTORS = pathlib.Path(__file__).resolve().parents[1] / "vectors"


def predict(command, case, output):
    args = [*command, "predict", str(VECTORS / case["model"]), "--input", str(VECTORS / case["input"]),
            "--output", output, "--iterations", "%d:%d" % (case["iteration_begin"], case["iteration_end"])]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def differences(x86, arm, case, output):
    a, b = predict(x86, case, output), predict(arm, case, output)
    if a == b:
        return []
    for i, (la, lb) in enumerate(zip(a.splitlines(), b.splitlines())):
        if la != lb:
            return ["%s %s row %d: x86-64 %s, aarch64 %s" % (case["name"], output, i, la, lb)]
    return ["%s %s: %d lines on x86-64, %d on aarch64" % (case["name"], output, a.count("\n"), b.count("\n"))]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    x86 = [sys.argv[1]]
    arm = [*sys.argv[3:], sys.argv[2]]  # qemu-aarch64 -L ... build-aarch64/polyscore
    cases = json.loads((VECTORS / "manifest.json").read_text())["cases"]
    jobs = [(c, o) for c in cases for o in ("value", "margin") if o in c["outputs"]]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        found = [d for ds in pool.map(lambda job: differences(x86, arm, *job), jobs) for d in ds]
    for d in found:
        print(d)
    print("%d of %d case outputs differ between x86-64 and aarch64" % (len(found), len(jobs)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
