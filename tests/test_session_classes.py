"""The second round of classes the real-session captures of issue 13 lost on (Claude Code 2.1.332 and Codex
0.171.0 replayed through the proxy), each shown on the real command output of `headroom_cli/corpus_real.py`:
- a cut diff repeated each file's `index`, `--- a/X` and `+++ b/X` lines under its `diff --git a/X b/X`;
- a diff over budget kept every hunk of the README changes that came with the code the request asked about;
- grep's own "binary file matches" notices (a package with __pycache__) were kept as if they were hits;
- `git log` without patches was not recognised: `--oneline` went to the log compressor, which dropped whole
  commits (their hashes) and kept 300-character subjects; `--stat` kept half of a 102-file stat."""
from __future__ import annotations

import re
import subprocess

from headroom_cli.compress import router
from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import diff, gitlog, search
from headroom_cli.corpus_real import capture

from test_compressors import file_hunks


def test_a_cut_diff_names_each_file_once():
    out = capture("git_show_rename")
    res = diff.compress(out, Context(tool_input="git show HEAD"))
    assert res is not None and res.lossy and file_hunks(res.text)
    assert "diff --git a/src/rich/cells.py b/src/rich/cells.py" in res.text
    assert not re.search(r"^index [0-9a-f]+\.\.", res.text, re.M)
    assert not re.search(r"^(?:--- a/|\+\+\+ b/)", res.text, re.M)
    assert "+        return cached_cell_len(text, unicode_version) + (1 if" in res.text  # the behaviour change


def test_a_new_or_deleted_file_keeps_the_lines_that_say_so():
    text = ("diff --git a/new.py b/new.py\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n"
            "+++ b/new.py\n@@ -0,0 +1,40 @@\n" + "".join(f"+line {i} = compute({i})\n" for i in range(40)) +
            "diff --git a/old.py b/old.py\nindex 2222222..3333333 100644\n--- a/old.py\n+++ b/old.py\n"
            "@@ -1,9 +1,9 @@\n" + "".join(f" ctx {i}\n" for i in range(4)) + "-x = 1\n+x = 2\n" +
            "".join(f" ctx {i}\n" for i in range(4, 8)))
    res = diff.compress(text, Context())
    assert res is not None
    assert "diff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n@@ " in res.text
    assert "diff --git a/old.py b/old.py\n@@ " in res.text and "index 2222222" not in res.text


def test_documentation_hunks_of_a_code_diff_over_budget_become_one_marker():
    out = capture("git_show_commit")  # README changes with the regions module's new functions
    ask = Context(tool_input="git show e198b57",
                  preceding_text="What did commit e198b57 change in the regions module?")
    res = diff.compress(out, ask)
    assert res is not None
    m = re.search(r"\[… 3 hunks changing documentation \(\+(\d+) -(\d+) lines\), in README\.md omitted\]", res.text)
    assert m and int(m.group(1)) == 9 and int(m.group(2)) == 4  # the README's own + and - lines
    assert "diff --git a/README.md" not in res.text
    assert "+def _cut_document(text: str, i: int) -> list[Region] | None:" in res.text
    # a request that names the README keeps its hunks
    named = diff.compress(out, Context(tool_input="git show e198b57",
                                       preceding_text="What did commit e198b57 change in README.md?"))
    assert "diff --git a/README.md b/README.md" in named.text and "changing documentation" not in named.text


def test_a_documentation_only_diff_keeps_its_hunks():
    text = "".join(f"diff --git a/docs/p{i}.md b/docs/p{i}.md\n--- a/docs/p{i}.md\n+++ b/docs/p{i}.md\n"
                   f"@@ -1,40 +1,40 @@\n" + "".join(f"-old prose {i}.{k}\n+new prose {i}.{k} here\n" for k in range(40))
                   for i in range(3))
    res = diff.compress(text, Context())
    assert res is None or "changing documentation" not in res.text


def test_grep_binary_file_notices_fold_into_the_marker():
    out = capture("grep_binary")
    notices = [ln for ln in out.splitlines() if ln.endswith("binary file matches")]
    assert len(notices) >= 5
    res = search.compress(out, Context(tool_input="grep -rn estimate_tokens headroom_cli",
                                       preceding_text="Where is estimate_tokens defined?"))
    assert res is not None
    assert not any(n in res.text for n in notices)
    folded = [int(x) for x in re.findall(r"(\d+) grep's 'binary file matches'", res.text)]
    assert sum(folded) + len(re.findall(r"\(all grep's 'binary file matches'\)", res.text)) >= 1
    assert "headroom_cli/compress/tokens.py:78:def estimate_tokens(text: str, *, coarse: bool = False) -> int:" \
        in res.text


def test_one_binary_notice_stays():
    text = "\n".join([f"src/m{i}.py:{i + 1}:    value = resolve(cfg, {i})" for i in range(40)] +
                     ["grep: build/app.pyc: binary file matches"])
    res = search.compress(text, Context(tool_input="grep -rn resolve src"))
    assert res is not None and "grep: build/app.pyc: binary file matches" in res.text


def test_git_log_oneline_keeps_every_hash_and_the_asked_commit_whole():
    out = capture("git_log_oneline")
    ctx = Context(tool_input="git log --oneline -25",
                  preceding_text="The terminal tests fail: which recent commit touched terminal handling?")
    assert router.detect(out, ctx) == "gitlog"
    res = router.compress_block(out, ctx)
    assert res is not None and res.lossy and res.compressor == "gitlog"
    for line in out.splitlines():
        assert line.split()[0] in res.text  # every commit's hash
    asked = next(ln for ln in out.splitlines() if "faster backspace handling" in ln)
    assert asked in res.text
    long = [ln for ln in out.splitlines() if len(ln) > 200]
    assert long and all(ln not in res.text for ln in long if ln != asked)
    assert len(res.text) < 0.6 * len(out)


def test_git_log_stat_keeps_headers_messages_and_the_largest_changes():
    out = capture("git_log_stat_ops")
    ctx = Context(tool_input="git log --stat -3", preceding_text="Which files grew the most?")
    assert router.detect(out, ctx) == "gitlog"
    res = router.compress_block(out, ctx)
    assert res is not None and res.lossy
    for ln in out.splitlines():
        if ln.startswith(("commit ", "Author: ", "Date: ")) or re.match(r" \d+ files? changed", ln):
            assert ln in res.text
    assert "    rename cell_len to cell_width" in res.text and "    vendor rich" in res.text
    assert next(ln for ln in out.splitlines() if "src/rich/_emoji_codes.py" in ln) in res.text  # the largest
    assert re.search(r"\[… \d+ files of the stat omitted\]", res.text)
    assert len(res.text) < 0.35 * len(out)


def test_git_log_with_patches_is_still_a_diff():
    out = capture("git_log_patch")
    assert router.detect(out, Context(tool_input="git log -p -3 -- headroom_cli/compress/terminal.py")) == "diff"


def test_hex_words_without_git_log_are_not_a_git_log():
    dump = "\n".join(f"{i * 16:07x} {i:04x} 4c46 0102 0001 0000 0000 0000 0000" for i in range(40))
    assert not gitlog.looks(dump.splitlines(), "od -x /bin/ls")
    assert router.detect(dump, Context(tool_input="od -x /bin/ls")) != "gitlog"


def test_git_log_of_a_real_repository(tmp_path):
    def git(*a: str) -> str:
        return subprocess.run(["git", "-c", "user.email=d@e.invalid", "-c", "user.name=d", *a], cwd=tmp_path,
                              check=True, capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                   "GIT_AUTHOR_DATE": "2026-12-01T10:00:00Z",
                                   "GIT_COMMITTER_DATE": "2026-12-01T10:00:00Z"}).stdout
    git("init", "-q", "-b", "main")
    for c in range(30):
        (tmp_path / f"f{c}.txt").write_text("x\n" * (c + 1))
        git("add", ".")
        git("commit", "-qm", f"commit number {c}: " + "a long explanation of what changed and why " * 6)
    out = git("log", "--oneline")
    res = router.compress_block(out, Context(tool_input="git log --oneline"))
    assert res is not None and res.compressor == "gitlog"
    assert all(ln.split()[0] in res.text for ln in out.splitlines())
    a = router.compress_block(out, Context(tool_input="git log --oneline"))
    assert a.text == res.text  # deterministic


def test_a_long_git_log_stat_over_budget_shows_each_commit_in_brief():
    from headroom_cli import corpus
    from headroom_cli.compress import terminal
    from headroom_cli.compress.protocols import sites

    w = corpus.workload("mixed_git_log_color")  # `git log --color=always --stat -n 25`, real
    site = sites(w.body, w.protocol)[0]
    ctx = Context(tool_input=site.tool_input, preceding_text=site.preceding_text)
    res = router.compress_block(site.text, ctx)
    assert res is not None and res.compressor == "gitlog"
    out = terminal.clean(site.text)
    hashes = [ln.split()[1] for ln in out.splitlines() if ln.startswith("commit ")]
    assert len(hashes) == 25 and all(h in res.text for h in hashes)
    assert res.text.count("Author: ") < 5 and "the author, date and stat lines of" in res.text
    assert all(n in res.text for n in w.needles)
    assert len(res.text) < 0.3 * len(out)


def test_a_term_every_commit_holds_points_to_none():
    commits = "".join(
        f"commit {i:040x}\nAuthor: Dana Reyes <dana@example.org>\nDate:   Mon Nov 30 10:{i:02d}:00 2026 +0000\n\n"
        f"    export_csv: change number {i}, " + "a long explanation of this change " * 8 + f"\n\n    more about {i}\n\n"
        for i in range(1, 31))
    res = router.compress_block(commits, Context(tool_input="git log -n 30",
                                                 preceding_text="What changed in export_csv this week?"))
    assert res is not None and res.lossy and res.compressor == "gitlog"
    assert all(f"commit {i:040x}" in res.text for i in range(1, 31))
    assert len(res.text) < 0.5 * len(commits)


def _ps_aux() -> tuple[str, str]:
    """A `ps aux` table as procps prints it: the header two spaces apart in places, the rows' VSZ and RSS one
    space apart once they are wide (its real shape, from this machine's `ps aux`); the largest RSS row."""
    import random

    r = random.Random(5)
    rows = ["USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"]
    big = ""
    for pid in range(1, 90):
        vsz, rss = r.randrange(1000, 600000), r.randrange(0, 90000)
        cmd = r.choice(["[kworker/0:1-events]", "bash", "/usr/sbin/sshd -D", "python -m http.server 8000",
                        "node /srv/app/server.js --port 3000"])
        if pid == 61:
            rss, vsz, cmd = 912344, 2539288, "java -Xmx4g -jar /opt/search/indexer.jar"
        line = f"{'root':<8} {pid * 37:>6} {r.random() * 3:>4.1f} {rss / 24e4:>4.1f} {vsz:>6} {rss:>5} ?        " \
               f"{r.choice(['S', 'Ss', 'I', 'Sl']):<4} 07:37   0:0{pid % 10} {cmd}"
        rows.append(line)
        if pid == 61:
            big = line
    return "\n".join(rows) + "\n", big


def test_a_ps_aux_table_keeps_the_process_using_the_most_memory():
    out, big = _ps_aux()
    assert "  912344" not in big and " 2539288 912344 " in big  # one space between VSZ and RSS
    res = router.compress_block(out, Context(tool_input="ps aux",
                                             preceding_text="Which process uses the most memory?"))
    assert res is not None and res.lossy and res.compressor == "table"
    assert big in res.text


def test_routine_events_in_a_log_greps_context_go_the_failure_and_its_request_stay():
    # `grep -n -A 30 'Error handling request'` of an aiohttp service's log: each traceback is followed by the
    # access log's INFO lines of other requests, which had filled the budget (10 of 25 kept)
    out = capture("service_log_grep")
    ctx = Context(tool_input="grep -n -A 30 'Error handling request' logs/linkd.log | head -n 120",
                  preceding_text="What are the 500s in the server log, and which exception is behind them?")
    res = search.compress(out, ctx)
    assert res is not None and res.lossy
    kept = res.text.splitlines()
    excs = {ln.split("-", 1)[1] for ln in out.splitlines() if re.match(r"\d+-ValueError: ", ln)}
    assert excs and all(any(k.endswith(e) for k in kept) for e in excs)  # each distinct failure, verbatim
    assert any('"GET /r/11I-dec HTTP/1.1" 500' in k for k in kept)  # the failed request, right after its error
    assert sum(" INFO " in k for k in kept) <= 3
    assert len(res.text) < len(out) * 0.25
