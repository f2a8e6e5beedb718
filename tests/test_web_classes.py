"""Classes the web session (a TypeScript project, benchmarks/scenario_web.py) still lost on in round nine, each
shown on real output (`headroom_cli/corpus_real.py`, captured by benchmarks/capture_real.py):
- in `npm ls --all`, a word of the request ("this TypeScript repository") matched inside longer names
  (`@typescript-eslint/parser`), so every such line was kept with its branch; and package names holding an error
  word (`assertion-error`, `check-error`) were kept as if they reported a problem."""
from __future__ import annotations

from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import tree
from headroom_cli.corpus_real import capture

ASK = ("Investigate this TypeScript task-board repository for the release review: what do tsc and eslint "
       "complain about, and does the front end still build?")


def _kept(res_text: str) -> list[str]:
    return [ln for ln in res_text.splitlines() if "[…" not in ln]


def test_a_tree_term_names_whole_entries_not_pieces_of_longer_names():
    out = capture("npm_ls_web")
    assert out.count("@typescript-eslint/") > 20  # the case: the term is inside many other names
    res = tree.compress(out, Context(tool_input="npm ls --all", preceding_text=ASK))
    assert res is not None and res.lossy
    kept = _kept(res.text)
    # the entries the term names wholly stay, with their branches
    named = [ln for ln in out.splitlines() if "typescript@5.9.3" in ln and "eslint" not in ln]
    assert named and all(ln in kept for ln in named)
    # a pointer to a longer name's entry, deep in the tree, is no match: before, 18 of them were kept
    deep_pointers = [ln for ln in out.splitlines() if ln.startswith("│ │ ") and "@typescript-eslint/" in ln
                     and ln.endswith(" deduped")]
    assert len(deep_pointers) >= 10
    assert sum(ln in kept for ln in deep_pointers) == 0
    assert len(res.text) < len(out) * 0.4


def test_an_error_word_inside_a_package_name_is_no_problem():
    out = capture("npm_ls_web")
    lines = [ln for ln in out.splitlines() if "assertion-error@" in ln or "check-error@" in ln]
    assert len(lines) >= 2
    res = tree.compress(out, Context(tool_input="npm ls --all"))
    kept = _kept(res.text)
    deep = [ln for ln in lines if ln.startswith("  │ ") or ln.startswith("│ │ ")]  # below the kept levels
    assert deep and not any(ln in kept for ln in deep)
    # a problem written after the name still is one
    bad = out.replace(deep[0], deep[0] + " invalid: \"^1.0.0\" from node_modules/x", 1)
    assert deep[0] + " invalid" in tree.compress(bad, Context(tool_input="npm ls --all")).text
    files = [f"│   │   ├── f{i}.py" for i in range(30)]
    text_err = "\n".join(["root", "├── src", "│   ├── pkg"] + files + ["│   │   └── cache [error opening dir]"])
    assert "[error opening dir]" in tree.compress(text_err, Context(tool_input="tree")).text
