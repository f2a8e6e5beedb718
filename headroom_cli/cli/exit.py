"""The exit statuses of `headroom`, named in one place, and which error gives which.

`headroom wrap` ends with the agent's own exit code (128+n when a signal n killed it): that number is
the agent's and passes through unnamed. Every status headroom decides itself is one of these.
"""
from __future__ import annotations

from enum import IntEnum

from ..errors import AgentNotFound, CannotExecute, HeadroomError, NotFound, UsageError


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # a HeadroomError, a failed check, a stale generated file, the proxy stopping by itself
    USAGE = 2  # a flag or argument headroom cannot use (click's own usage errors exit 2 as well)
    CANNOT_EXECUTE = 126  # the agent's program exists but cannot be run (the shell's convention)
    AGENT_NOT_FOUND = 127  # the agent's program is not on PATH (the shell's "command not found")
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT


# An error's status is that of the nearest class in its MRO listed here (so subclasses inherit it).
ERROR_STATUS: dict[type[HeadroomError], ExitStatus] = {
    HeadroomError: ExitStatus.ERROR,
    UsageError: ExitStatus.USAGE,
    NotFound: ExitStatus.ERROR,
    AgentNotFound: ExitStatus.AGENT_NOT_FOUND,
    CannotExecute: ExitStatus.CANNOT_EXECUTE,
}


def status_for(error: BaseException) -> ExitStatus:
    for cls in type(error).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return ExitStatus.ERROR
