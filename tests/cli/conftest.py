"""pytest fixtures for the CLI tests (helpers in cli_util.py)."""
import subprocess

import pytest

from cli_util import CLI


@pytest.fixture(scope="session")
def cli():
    if not CLI.exists():
        pytest.fail("no CLI at %s (build it, or set POLYSCORE_BUILD_DIR)" % CLI)

    def run(*args, input=None):
        return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True,
                              input=input, timeout=120)
    return run
