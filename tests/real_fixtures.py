"""Where the opt-in real-agent request bodies are, and the one skip reason when they are not.

They are recordings of real Claude Code / Codex sessions and are not part of this repository. Tests that
replay them look in `$HEADROOM_REAL_FIXTURES`, else in `shared/fixtures/real_requests` beside the checkout
(the project's own machines); without them those tests skip with a reason that says how to run them,
rather than naming a path outside the clone."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ENV = "HEADROOM_REAL_FIXTURES"
DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real_requests"


def folder() -> Path:
    return Path(os.environ[ENV]).expanduser() if os.environ.get(ENV) else DEFAULT


def path(name: str) -> Path:
    """The fixture's path, or a skip of the calling test."""
    p = folder() / name
    if not p.exists():
        pytest.skip(f"opt-in: real agent requests ({name}) are not part of the repository; "
                    f"set {ENV}=DIR to a folder that holds them to run this test")
    return p
