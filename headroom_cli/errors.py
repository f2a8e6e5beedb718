"""Exceptions that carry an exit code and a hint. Only `cli/` turns them into messages."""
from __future__ import annotations


class HeadroomError(Exception):
    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(HeadroomError):
    exit_code = 2


class NotFound(HeadroomError):
    exit_code = 1


class AgentNotFound(HeadroomError):
    exit_code = 127


class ConfigError(UsageError):
    """A bad value in config.toml or in a HEADROOM_* variable: says where, which key and what was expected."""
