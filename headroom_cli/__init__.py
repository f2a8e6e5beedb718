"""headroom: cut the tokens AI coding agents send, reversibly.

Library use::

    from headroom_cli import compress, retrieve
    result = compress(messages, model="gpt-4o")
    result.messages, result.tokens_saved, result.keys
    retrieve(key)  # the byte-exact original of a lossy cut

Imports are lazy so `headroom --version` and the CLI stay fast.
"""
from ._version import __version__

__all__ = ["__version__", "compress", "compress_request", "retrieve", "CompressResult"]


def __getattr__(name: str):
    if name in ("compress", "compress_request", "CompressResult"):
        from .compress import api

        return getattr(api, name)
    if name == "retrieve":
        from .ccr.store import retrieve

        return retrieve
    raise AttributeError(name)
