"""How the `headroom` process ends when a command leaves threads that must not see the interpreter's exit.

`wrap`'s teardown does not wait for the proxy's start-up or warm-up (a no-op agent's exit waited ~0.3-0.7 s
for them). Those threads may be inside OpenSSL without the GIL (aiohttp's import builds an SSL context, the
BPE load and the store hash): the interpreter's normal exit runs OpenSSL's own clean-up under them and
crashes. So such a command asks for `os._exit` once everything it owns is written and closed; `main()`
(the process's own command line only) then flushes the output and the log and ends the process.
"""
from __future__ import annotations

import os
import sys

_requested = False


def request_os_exit() -> None:
    """The command's threads still running are disposable: end the process without the interpreter's exit."""
    global _requested
    _requested = True


def reset() -> None:
    global _requested
    _requested = False


def finish(code: int) -> None:
    """Called by main() as the process's last step: ends it here when asked to, else returns."""
    if not _requested:
        return
    import logging

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    logging.shutdown()  # the log file's last lines
    os._exit(int(code) & 0xFF)
