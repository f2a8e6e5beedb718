"""The command wrap writes into an agent's hooks (Claude Code's status line) runs this headroom, whatever the
agent's working directory holds: a checkout of headroom's own repository has a `headroom_cli` package too."""
from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from headroom_cli import __version__
from headroom_cli.launch.session import self_command


@pytest.mark.skipif(sys.version_info < (3, 11), reason="-P (safe path) is Python 3.11's")
def test_the_hook_command_runs_this_headroom_from_a_checkout_of_another(tmp_path):
    pkg = tmp_path / "headroom_cli"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text("print('the checkout in the working directory')\n")
    out = subprocess.run(shlex.split(self_command("--version")), cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert "the checkout" not in out.stdout
    assert __version__ in out.stdout
