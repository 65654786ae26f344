"""pytest fixtures for the CLI tests (helpers in cli_util.py)."""
import subprocess

import pytest

from cli_util import CLI

SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


@pytest.fixture(scope="session")
def cli():
    if not CLI.exists():
        pytest.fail("no CLI at %s (build it, or set POLYSCORE_BUILD_DIR)" % CLI)

    def run(*args, input=None):
        r = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True,
                           input=input, timeout=120)
        # A sanitized CLI (scripts/test.sh builds one) reports memory errors, leaks and
        # undefined behaviour on stderr; a test that expects a failing exit code must
        # not pass because of one.
        for report in SANITIZER_REPORTS:
            if report in r.stderr:
                pytest.fail("the CLI (%s) reported %r:\n%s" % (" ".join(map(str, args)), report, r.stderr))
        return r
    return run
