"""A second workspace for captured sessions, different work from scenario_workspace.py: this project's own git
repository cloned at a fixed commit (real history for `git log -p` and `git show`, real code for `grep -rn` and
`find`, its real test suite for a `pytest -x` failure), plus a small C library whose `make -k` prints a real
compiler log (warnings, one error), and commands over the machine's real installation (`pip list`, a `pip inspect`
dump filtered by `jq`, `npm ls` of the installed agents). Nothing is downloaded.

Needles are computed from the built workspace and the installation, so they hold on another machine too."""
from __future__ import annotations

import importlib.metadata as md
import json
import shutil
import subprocess
import sys
from pathlib import Path

import scenario_tools  # noqa: E402  (benchmarks/ is on the path: run as a script or imported by the capture)

ROOT = Path(__file__).resolve().parents[1]
BASE = "16c6d3e"  # the commit the clone starts from (in main's history)
SHOWN = "e198b57"  # the commit the session reviews with `git show`
SHOWN_LINE = "def _cut_document(text: str, i: int) -> list[Region] | None:"
# the bug the session's `pytest -x` run finds: a backspace moves the cursor two columns back
BUG_OLD = "            col = max(0, col - 1)\n"
BUG_NEW = "            col = max(0, col - 2)\n"
NATIVE_ERROR = "undeclared (first use in this function)"  # gcc quotes the name by locale
NPM_PREFIX = "/work/tools/global"
UNITS = 36

_C_HEADER = """#ifndef CODEC_H
#define CODEC_H
#include <stddef.h>
#include <stdint.h>
typedef struct { const uint8_t *data; size_t len; } slice;
uint32_t codec_checksum(slice s);
%s
#endif
"""

_C_UNIT = """#include "codec.h"

/* stage %(i)d of the frame pipeline */
static uint32_t mix_%(i)d(uint32_t h, uint8_t b) {
    return (h ^ b) * 16777619u + %(i)du;
}

int codec_stage_%(i)d(slice s, uint32_t *out, int flags) {
    uint32_t h = 2166136261u;
    int i;
    for (i = 0; i < s.len; i++) {
        h = mix_%(i)d(h, s.data[i]);
    }
%(extra)s    *out = h;
    return 0;
}
"""


def _native(proj: Path) -> None:
    """native/: UNITS C units; -Wall -Wextra warns in each (a signed/unsigned comparison, an unused parameter),
    one unit has an unused variable and one does not compile."""
    src = proj / "native" / "src"
    src.mkdir(parents=True)
    decls = "\n".join(f"int codec_stage_{i}(slice s, uint32_t *out, int flags);" for i in range(UNITS))
    (src / "codec.h").write_text(_C_HEADER % decls)
    for i in range(UNITS):
        extra = ""
        if i == 5:
            extra = "    int spare = 0;\n"
        if i == 29:
            extra = "    h ^= frame_crc;\n"
        (src / f"stage_{i:02d}.c").write_text(_C_UNIT % {"i": i, "extra": extra})
    objs = " ".join(f"build/stage_{i:02d}.o" for i in range(UNITS))
    (proj / "native" / "Makefile").write_text(
        "CC ?= cc\nCFLAGS = -Wall -Wextra -O2 -fdiagnostics-color=never\n\n"
        f"all: build/libcodec.a\n\nbuild/libcodec.a: {objs}\n\tar rcs $@ $^\n\n"
        "build/%.o: src/%.c src/codec.h\n\t@mkdir -p build\n\t$(CC) $(CFLAGS) -c $< -o $@\n\n"
        "clean:\n\trm -rf build\n")


def _git(cwd: Path, *args: str) -> None:
    scenario_tools.git(cwd, "2026-12-01T09:00:00Z", *args)  # every commit of this workspace at one date


def build(root: Path) -> Path:
    """Clone the repository at BASE under `root/headroom` (replacing any previous copy), add the C library and a
    commit that plants the bug; return the clone's path."""
    proj = root / "headroom"
    if proj.exists():
        shutil.rmtree(proj)
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(ROOT), str(proj)], check=True)
    _git(proj, "checkout", "-q", "-B", "review", BASE)
    _native(proj)
    term = proj / "headroom_cli" / "compress" / "terminal.py"
    text = term.read_text()
    assert BUG_OLD in text, "the planted bug's line moved: pick another BASE"
    term.write_text(text.replace(BUG_OLD, BUG_NEW, 1))
    _git(proj, "add", ".")
    _git(proj, "commit", "-qm", "native codec stages; terminal: faster backspace handling")
    return proj


def _grep_def(proj: Path, path: str, what: str) -> str:
    for n, line in enumerate((proj / path).read_text().splitlines(), 1):
        if line.startswith(what):
            return f"{path}:{n}:{line}"
    raise LookupError(what)


def needles(proj: Path) -> list[dict]:
    listing = subprocess.run([sys.executable, "-m", "pip", "list"], capture_output=True, text=True).stdout
    zstd_line = next(ln.rstrip() for ln in listing.splitlines() if ln.startswith("zstandard "))
    mcp_req = next(r for r in (md.requires("mcp") or []) if r.startswith("pydantic"))
    return [
        {"text": SHOWN_LINE, "why": "the function the reviewed commit added (git show)"},
        {"text": BUG_NEW.strip(), "why": "the planted bug, in git show HEAD / git log -p"},
        {"text": "test_cleaning_keeps_the_final_text_a_terminal_shows", "why": "the first failing test (pytest -x)"},
        {"text": _grep_def(proj, "headroom_cli/compress/tokens.py", "def estimate_tokens"),
         "why": "the grep hit that answers where estimate_tokens is defined"},
        {"text": zstd_line, "why": "the installed zstandard version (pip list)"},
        {"text": mcp_req, "why": "mcp's pydantic requirement in the pip inspect dump"},
        {"text": NATIVE_ERROR, "why": "the compile error in the make log"},
        {"text": "stage_29.c", "why": "the unit that fails to build"},
        {"text": "@lydell/node-pty@", "why": "the native module the Gemini CLI depends on (npm ls)"},
        {"text": "headroom_cli/compress/regions.py", "why": "a file the find listing must show"},
    ]


PROMPT = ("Review this repository before the release: what did commit e198b57 change in the regions module and "
          "what does _cut_document return? Why does `pytest -x tests/test_terminal.py` fail now, and which commit "
          "caused it? Where is estimate_tokens defined and who calls it? Which zstandard version is installed, and "
          "which pydantic does mcp require? Which C unit of native/ fails to build and why? Which native pty module "
          "do the installed agents pull in? Finally list the compressor modules.")


def commands(py: str) -> list[str]:
    """The shell commands of the session, in order (both agents run the same ones)."""
    return [
        "git log --oneline -25",
        "grep -rn 'import' headroom_cli/compress | grep -v '^.*#'",
        f"git show {SHOWN}",
        "git log -p -3 -- headroom_cli/compress/terminal.py",
        "git show HEAD --stat",
        f"{py} -m pytest -x -v -p no:cacheprovider tests/test_regions.py tests/test_terminal.py",
        "grep -rn estimate_tokens headroom_cli",
        "find headroom_cli -name '*.py' | sort",
        f"{py} -m pip list",
        f"{py} -m pip inspect | jq '[.installed[] | {{name: .metadata.name, version: .metadata.version, "
        "requires: .metadata.requires_dist, summary: .metadata.summary}]'",
        "make -k -C native 2>&1",
        f"npm ls -g --all --prefix {NPM_PREFIX} 2>&1",
        "cat pyproject.toml",
        "grep -rn 'def compress' headroom_cli/compress/compressors",
        "ls -la headroom_cli/compress/compressors",
    ]


if __name__ == "__main__":
    p = build(Path(sys.argv[1]))
    print(p)
    print(json.dumps(needles(p), indent=1))
