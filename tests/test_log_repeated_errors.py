"""A log whose one error kind repeats (the same failure in batch after batch): its first occurrences keep their
neighbours (what led to the failure, what followed it), the later ones stand alone. The log is real `logging`
output of a small program run here."""
from __future__ import annotations

import subprocess
import sys

from headroom_cli.compress import router
from headroom_cli.compress.base import Context

PROGRAM = r'''
import logging, random, sys
logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S")
log = logging.getLogger("settle")
r = random.Random(4)
for b in range(1, 121):
    n = r.randrange(12, 40)
    gross = r.randrange(50_000, 400_000) / 100
    log.info("batch-%04d.csv started: %d payments from %d merchants", b, n, r.randrange(3, 20))
    if b % 4 == 0:
        fees = round(gross * 0.021, 2)
        log.error("batch totals do not match the acquirer trailer batch=batch-%04d.csv fees=%.2f trailer_fees=%.2f",
                  b, fees, fees + r.randrange(3, 20) / 100)
    log.info("batch-%04d.csv settled: gross=%.2f declined=%d", b, gross, r.randrange(3))
log.warning("payouts held for merchant M-0218: chargeback ratio 2.31%% over the 1.00%% limit")
log.info("settlement finished: 120 batches")
'''


def _log() -> str:
    return subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True).stdout


def test_a_repeated_error_keeps_the_context_of_its_first_occurrences_only():
    text = _log()
    lines = text.splitlines()
    errors = [i for i, s in enumerate(lines) if " ERROR " in s]
    assert len(errors) == 30
    res = router.compress_block(text, Context(tool_name="Bash", tool_input="tail -n 400 logs/settle.log",
                                              preceding_text="What went wrong in the settlement run?"))
    assert res is not None and res.lossy and res.kind == "log"
    out = res.text.split("\n")
    kept_errors = [i for i in errors if lines[i] in out]
    assert len(kept_errors) >= 4  # its first occurrences and its last, verbatim
    first, second = kept_errors[:2]
    for e in (first, second):  # the first two: what led to the failure and what followed it
        assert lines[e - 1] in out and lines[e + 1] in out
    later = kept_errors[2:]
    alone = [e for e in later if lines[e - 1] not in out and lines[e + 1] not in out]
    assert len(alone) >= len(later) - 1  # the later ones stand alone (the log's last lines are kept anyway)
    assert any("M-0218" in s for s in out)  # the one warning stays


def test_a_repeated_error_past_its_cap_is_no_neighbour_of_another_error():
    """The real Go service log (slog's logfmt): 59 `batch totals do not match` errors, each a batch's closing line
    right after that batch's other failures. Its first three and its last stay; the other errors' neighbours no
    longer bring back more of them (eight were kept before: four as neighbours of other errors)."""
    from headroom_cli.compress.compressors import logs
    from headroom_cli.corpus_real import capture

    out = capture("gosvc_log_tail")
    totals = [ln for ln in out.splitlines() if "batch totals do not match" in ln]
    assert len(totals) == 59
    res = logs.compress(out, Context(tool_input="tail -n 200 logs/ledgerd.log",
                                     preceding_text="What are the errors in the log?"))
    kept = [ln for ln in res.text.splitlines() if "batch totals do not match" in ln]
    assert kept == totals[:3] + totals[-1:]
    others = [ln for ln in out.splitlines() if "payment for an unknown merchant" in ln]
    assert others and all(ln in res.text for ln in others[:3])  # the other error kind as before


SYNC = r'''
import logging, random, sys
logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S")
log = logging.getLogger("sync")
r = random.Random(7)
for i in range(1, 241):
    log.info("object %05d copied to the replica in %d ms", i, r.randrange(3, 90))
    if i % 9 == 0:
        log.warning("replica lag at %d s, over the 30 s threshold", r.randrange(31, 300))
    if i == 120:
        log.error("checksum mismatch on object %05d: the replica copy is quarantined", i)
log.info("sync finished: 240 objects")
'''


def test_one_kind_of_warning_is_shown_once_and_counted_not_sampled_twice():
    """26 `replica lag` warnings of one kind: the budget shows its first, the rest are similar lines (two were
    shown before: a second sample of the same story, its value one retrieval away like the other 24)."""
    from headroom_cli.compress.compressors import logs

    out = subprocess.run([sys.executable, "-c", SYNC], capture_output=True, text=True, check=True).stdout
    lag = [ln for ln in out.splitlines() if "replica lag" in ln]
    assert len(lag) == 26
    res = logs.compress(out, Context(tool_input="cat logs/sync.log", preceding_text="What went wrong in the sync?"))
    assert res is not None and "checksum mismatch on object 00120" in res.text
    assert [ln for ln in lag if ln in res.text] == lag[:1]
