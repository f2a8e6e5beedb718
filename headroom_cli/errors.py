"""What can go wrong, as exception classes with a message and an optional hint. No exit numbers here:
`cli/exit.py` maps each class to an `ExitStatus`, and only `cli/` turns errors into messages."""
from __future__ import annotations


class HeadroomError(Exception):
    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


class UsageError(HeadroomError):
    """A flag, argument or setting with a value headroom cannot use."""


class NotFound(HeadroomError):
    """Something asked for by name is not there (a stored original, a rule)."""


class StoreUnavailable(HeadroomError):
    """The store cannot be reached or used right now (database down, refused, timed out). The proxy answers
    what it can without it (fail open); a team gateway's health check reports it (503). Here, not in storage/,
    so that the ledger's writer (stats/) can tell it apart without importing the backends."""


class AgentNotFound(HeadroomError):
    """The agent's program is not on PATH."""


class CannotExecute(HeadroomError):
    """The agent's program was found but the system refused to run it."""


class ConfigError(UsageError):
    """A bad value in config.toml or in a HEADROOM_* variable: says where, which key and what was expected."""
