"""Cleanup journal and child supervision, in-process."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from headroom_cli.launch import journal
from headroom_cli.launch.supervise import Child, exit_code


def test_journal_is_written_before_the_temp_file_exists():
    j = journal.Journal("abc").begin()
    target = j.private_dir() / "f.json"
    j.temp_path(target)
    doc = json.loads(j.path.read_text())
    assert str(target) in [a["path"] for a in doc["actions"]] and not target.exists()
    assert j.path.stat().st_mode & 0o777 == 0o600
    j.cleanup()
    assert not j.path.exists() and not target.parent.exists()


def test_write_temp_is_private_and_removed():
    with journal.Journal("x") as j:
        p = j.write_temp("cfg.json", '{"apiKey": "s"}')
        assert p.read_text() == '{"apiKey": "s"}' and p.stat().st_mode & 0o777 == 0o600
        assert p.parent.stat().st_mode & 0o777 == 0o700
    assert not p.exists() and not p.parent.exists()
    assert list(journal.journal_dir().glob("*")) == []


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_journal_of_a_dead_process_is_replayed(tmp_path):
    leftover = tmp_path / "leftover"
    leftover.mkdir()
    (leftover / "secret.json").write_text("{}")
    edited, backup = tmp_path / "user.json", tmp_path / "user.json.bak"
    edited.write_text("edited by a crashed run")
    backup.write_text("original")
    d = journal.journal_dir()
    d.mkdir(parents=True)
    pid = _dead_pid()
    (d / f"{pid}.json").write_text(json.dumps({"pid": pid, "started": 1.0, "actions": [
        {"kind": "remove", "path": str(leftover)},
        {"kind": "restore", "path": str(edited), "backup": str(backup)}]}))
    # a live process's journal (ours) is left alone
    live = journal.Journal("live").begin()
    live.temp_path(tmp_path / "keep")
    (tmp_path / "keep").write_text("in use")
    assert journal.replay_stale() == 1
    assert not leftover.exists() and edited.read_text() == "original" and not backup.exists()
    assert (tmp_path / "keep").exists() and live.path.exists()
    live.cleanup()


def test_pid_reuse_does_not_keep_a_stale_journal_alive(tmp_path):
    f = tmp_path / "t"
    f.write_text("x")
    d = journal.journal_dir()
    d.mkdir(parents=True)
    # our own pid, but a different start time: the process that wrote it is gone
    (d / "123.json").write_text(json.dumps({"pid": os.getpid(), "started": 1.0,
                                            "actions": [{"kind": "remove", "path": str(f)}]}))
    assert journal.replay_stale() == 1 and not f.exists()


def test_exit_code_mapping():
    assert exit_code(0) == 0 and exit_code(3) == 3 and exit_code(-signal.SIGTERM) == 143


def _child(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_child_exit_codes_and_signals():
    env = dict(os.environ)
    assert Child(_child("import sys; sys.exit(3)"), env).start().wait() == 3
    assert Child(_child("import os, signal; os.kill(os.getpid(), signal.SIGKILL)"), env).start().wait() == 137


def test_sigterm_to_the_parent_is_forwarded_and_handlers_restored(tmp_path):
    ready = tmp_path / "ready"
    code = f"""
        import pathlib, signal, sys, time
        signal.signal(signal.SIGTERM, lambda n, f: sys.exit(42))
        pathlib.Path({str(ready)!r}).write_text("1")
        for _ in range(300): time.sleep(0.05)
    """
    before = signal.getsignal(signal.SIGTERM)
    c = Child(_child(code), dict(os.environ)).start()

    def tick():
        if ready.exists() and not c.forwarded:
            os.kill(os.getpid(), signal.SIGTERM)  # "someone" terminates wrap

    assert c.wait(on_tick=tick) == 42
    assert c.forwarded == [signal.SIGTERM]
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigint_is_ignored_by_the_parent_while_the_child_runs(tmp_path):
    # A background job inherits SIGINT ignored (`cmd &` in a script): start from Python's own handler, so the
    # kill below would really raise if the parent did not ignore it, and the restore is checked against it.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _sigint_ignored_while_child_runs(tmp_path)
    finally:
        signal.signal(signal.SIGINT, inherited)


def _sigint_ignored_while_child_runs(tmp_path):
    ready = tmp_path / "ready"
    code = f"""
        import pathlib, time
        pathlib.Path({str(ready)!r}).write_text("1")
        time.sleep(30)
    """
    c = Child(_child(code), dict(os.environ)).start()
    sent = []

    def tick():
        if ready.exists() and not sent:
            sent.append(1)
            os.kill(os.getpid(), signal.SIGINT)  # would raise KeyboardInterrupt if not ignored
            c.proc.send_signal(signal.SIGINT)  # the terminal sends it to the child too
    assert c.wait(on_tick=tick) == 130  # the child died of SIGINT (default handler restored on exec)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_stop_terminates_a_running_child():
    c = Child(_child("import time; time.sleep(30)"), dict(os.environ)).start()
    c.stop(grace=2)
    assert c.proc.poll() is not None


@pytest.mark.parametrize("bad", [["/nonexistent/agent"]])
def test_failed_start_restores_handlers(bad):
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(OSError):
        Child(bad, dict(os.environ)).start()
    assert signal.getsignal(signal.SIGINT) is before
