"""The compressors, one module per kind of content. Each module is a `base.Compressor`: it names itself
(`name`), the detected kinds it compresses (`kinds`) and has `compress(text, ctx, *, key=None, doc=None)`.

REGISTERED is what the router's registry is built from: adding a compressor is its module plus its entry here
(a kind detection does not tell apart yet also needs its rule in `router.detect`). `common` holds their shared
helpers and is not a compressor.
"""
from . import blame, build, code, crash, diff, gitlog, helptext, json_data, logs, search, table, text, threads, tree

REGISTERED = (json_data, logs, build, crash, threads, search, diff, gitlog, blame, helptext, code, table, tree,
              text)
FALLBACK = text  # what a detected kind no compressor names gets
