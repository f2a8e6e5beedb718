"""Every retrieval key the read passes leave (re-read references, saved outputs, installed code) brings back the
block's original byte for byte, on every corpus_reads workload and the probes' shapes."""
from __future__ import annotations

import pytest
from output_digests import MemStore

from headroom_cli import corpus, corpus_reads
from headroom_cli.compress import markers
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.memo import Memo
from headroom_cli.compress.protocols import sites


@pytest.mark.parametrize("build", corpus_reads.builders(corpus.Workload), ids=lambda b: b().name)
def test_every_key_retrieves_the_original_byte_exact(build):
    w = build()
    store = MemStore()
    r = compress_request(w.body, w.protocol, CompressConfig(store=store, memo=Memo()))
    assert r.blocks, w.name  # each workload exercises a read pass
    originals = {s.path: s.text for s in sites(w.body, w.protocol)}
    for b in r.blocks:
        assert store.items[b.key] == originals[b.path], (w.name, b.path)
        node = r.body
        for k in b.path:
            node = node[k]
        assert b.key in markers.find_keys(node)
