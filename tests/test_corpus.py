"""The benchmark corpus: deterministic, complete, well-formed, needles present."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from headroom_cli import corpus
from headroom_cli.compress.protocols import sites

EXPECTED = {"code_search", "sre_incident", "json_api", "pytest_log", "git_diff", "source_file", "tables", "long_session",
            "issue_listing", "pod_listing", "replay_errors", "pip_listing", "backup_journal", "cache_grep",
            "web_log",
            # corpus_mixed: real command outputs of mixed formats, and small results
            "mixed_json_summary", "mixed_curl_banner_json", "mixed_ndjson_header", "mixed_log_traceback",
            "mixed_pytest_pty", "mixed_json_documents", "mixed_git_log_color", "small_ls_la", "small_pytest_exit_code",
            "small_pip_progress_pty", "small_table_then_prose",
            "stdlib_read", "rereads", "range_reread", "persisted_output",  # these four: corpus_reads.py
            # corpus_real: the classes real sessions lost on, from real command outputs
            "real_git_show_commit", "real_git_log_patch", "real_git_show_mechanical", "real_make_warnings",
            "real_incident_log", "real_npm_ls_tree", "real_git_show_rename", "real_importtime", "real_dpkg_log",
            "real_dpkg_table", "real_git_log_stat", "real_node_test", "real_git_log_oneline",
            "real_git_log_stat_ops", "real_grep_binary", "real_pip_inspect_named", "real_cargo_build_errors",
            "real_service_log_tail", "real_service_log_grep", "real_mypy_strict", "real_cargo_test_backtrace",
            "real_crate_log_grep_errors", "real_crate_log_grep_panic", "real_asan_use_after_free",
            "real_valgrind_memcheck", "real_ctest_failures", "real_npm_ls_web", "real_web_log_grep_errors",
            "real_junit_failures", "real_jstack_deadlock", "real_javac_lint", "real_jdeps_verbose", "real_git_blame", "real_top_batch", "real_json_head_cut", "real_jq_select_pretty",
            "real_pytest_help", "real_curl_help", "real_man_git_log",
            "real_git_log_oneline_stat",
            "real_go_test_v",
            "real_web_report_lines", "real_crate_log_tail", "real_go_goroutines", "real_find_paths",
            "real_gosvc_log_read",
            "heldout_journal_oom",
            "heldout_kubectl_describe", "heldout_csv_orders", "heldout_pytest_one_of_many"}


def test_workloads_cover_the_brief():
    ws = corpus.workloads()
    assert {w.name for w in ws} == EXPECTED
    assert {w.protocol for w in ws} == {"anthropic", "openai_chat", "openai_responses"}


def test_needles_are_in_tool_results_and_bodies_are_json():
    for w in corpus.workloads():
        json.loads(json.dumps(w.body))
        found = sites(w.body, w.protocol)
        assert found, w.name
        tool_text = "\n".join(s.text for s in found)
        assert w.needles, w.name
        for n in w.needles:
            assert n in tool_text, (w.name, n)


def test_sizes_match_the_brief():
    by = {w.name: w for w in corpus.workloads()}
    sre = sites(by["sre_incident"].body, "openai_responses")[0].text
    assert 480 <= sre.count("\n") <= 560 and sre.count('"level":"FATAL"') == 1
    api = json.loads(sites(by["json_api"].body, "openai_chat")[0].text)
    assert len(api["data"]) == 300
    log = sites(by["pytest_log"].body, "anthropic")[0].text
    assert log.count(" PASSED ") >= 300 and log.count(" FAILED ") == 2
    sess = sites(by["long_session"].body, "anthropic")
    assert len(sess) >= 30
    sizes = [len(s.text.encode()) for s in sess]
    assert min(sizes) >= 2_000 and max(sizes) <= 30_000, (min(sizes), max(sizes))


def test_deterministic_across_processes():
    code = ("import json,hashlib; from headroom_cli import corpus; "
            "print(hashlib.sha256(json.dumps([(w.name, w.body, w.needles) for w in corpus.workloads()]).encode()).hexdigest())")
    outs = set()
    for seed in ("0", "99"):
        p = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONHASHSEED=seed),
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        outs.add(p.stdout)
    assert len(outs) == 1


def test_workload_lookup():
    assert corpus.workload("git_diff").protocol == "openai_responses"


def test_every_needle_of_the_corpus_stays_verbatim_through_the_engine():
    # the corpus's own promise (README: 238/238): a change that keeps a needle only one retrieval away is a
    # regression, even where the savings hold (the rare-word rule once cost `depot.jar -> jdk.unsupported` in
    # jdeps' table and a path in a laid-out `find`)
    from headroom_cli.compress.api import CompressConfig, compress_request
    from headroom_cli.compress.memo import Memo

    lost = []
    for w in corpus.workloads():
        r = compress_request(w.body, w.protocol, CompressConfig(memo=Memo()))
        text = "\n".join(s.prefix + s.text + s.suffix for s in sites(r.body, w.protocol))
        lost += [(w.name, n[:60]) for n in w.needles if n not in text]
    assert not lost, lost
