"""headroom: cut the tokens AI coding agents send, reversibly.

Library use::

    from headroom_cli import compress, retrieve
    result = compress(messages, model="gpt-4o")   # tool results and large documents in user messages
    result.messages, result.tokens_saved, result.keys
    result.tool    # the retrieve tool to pass on when result.keys is not empty
    retrieve(key)  # the byte-exact original of a lossy cut

Framework wrappers: `headroom_cli.integrations.langchain` (extra `[langchain]`) and
`headroom_cli.integrations.agno` (extra `[agno]`).

Imports are lazy so `headroom --version` and the CLI stay fast.
"""
from ._version import __version__

__all__ = ["__version__", "compress", "compress_request", "retrieve", "CompressResult", "CompressConfig",
           "retrieve_tool", "answer_retrieve"]


def __getattr__(name: str):
    if name in ("compress", "compress_request", "CompressResult", "CompressConfig", "retrieve_tool",
                "answer_retrieve"):
        from .compress import api

        return getattr(api, name)
    if name == "retrieve":
        from .ccr.store import retrieve

        return retrieve
    raise AttributeError(name)
