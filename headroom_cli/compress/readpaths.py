"""What a read file is, judged by its path: an agent's saved command output, installed code, or the project's own.

- **Saved output.** The agents save a command output too big to send and hand the model a preview plus the file's
  path; the model then reads that file with its read tool. The file is command output, not source it edits:
  Claude Code (2.1.33x) `<config dir>/projects/<project path with / as ->/<session uuid>/tool-results/<id>.txt`
  (checked with the real binary), Copilot CLI `<tmp>/<ms>-copilot-tool-output-<n>-<uuid>.txt` (1.0.102, checked;
  its `view` then refuses the whole file and the model reads ranges), Gemini CLI
  `<gemini home>/tmp/<project>/tool-outputs/[session-<id>/]<tool>_<id>.txt` (from its bundle). Codex keeps no file:
  it cuts the output to head and tail.
- **Installed code.** A dependency or the language's standard library (site-packages, node_modules, the
  interpreter's `lib/pythonX.Y/`, GOROOT, the Go module cache, `.cargo/registry`, `/usr/include`, …) is reference
  material — but only **outside the agent's working directory**: a project's own `.venv` or `node_modules` may be
  patched by the agent, so it stays protected, and so does everything when the working directory is unknown.

The working directory comes from the request (`workdir.py`); a relative path is resolved against it.
"""
from __future__ import annotations

import posixpath
import re

_SAVED_OUTPUT = re.compile(
    r"/projects/-[^/]*/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/tool-results/[^/]+$"  # Claude Code
    r"|/\d{10,}-copilot-tool-output-[^/]+\.txt$"  # Copilot CLI
    r"|/tmp/[^/]+/tool-outputs/(?:session-[^/]+/)?[^/]+\.txt$"  # Gemini CLI
)

# Path pieces that mark installed code (matched against the normalised absolute path).
_INSTALLED = re.compile(
    r"/(?:site-packages|dist-packages|node_modules|bower_components|vendor/bundle)/"
    r"|/lib/python\d+(?:\.\d+)?t?/"  # CPython's standard library (any prefix: /usr, pyenv, conda, venv base)
    r"|/lib/pypy\d*(?:\.\d+)?/"
    r"|/(?:usr|usr/local|opt/homebrew)/include/"
    r"|/\.cargo/(?:registry|git/checkouts)/|/\.rustup/toolchains/"
    r"|/go/pkg/mod/|/(?:usr/local/go|usr/lib/go(?:-[\d.]+)?|sdk/go[\d.]+|goroot)/(?:src|pkg)/"
    r"|/\.m2/repository/|/\.gradle/caches/|/\.nuget/packages/|/\.gem/|/gems/[^/]+/gems/"
)


def norm(path: str, cwd: str | None) -> str | None:
    """`path` as a normalised absolute path (relative ones against `cwd`); None when that is unknowable."""
    p = path.strip().strip("'\"")
    if not p or "\n" in p or "\0" in p:
        return None
    if p.startswith("~"):
        return None  # whose home? unknown: callers treat it as "cannot tell"
    if not p.startswith("/"):
        if not cwd:
            return None
        p = cwd.rstrip("/") + "/" + p
    return posixpath.normpath(p)


def is_saved_output(path: str) -> bool:
    """Is this a file an agent saved a command's output to (see the module doc)?"""
    p = path.strip().strip("'\"")
    return p.startswith("/") and _SAVED_OUTPUT.search(posixpath.normpath(p)) is not None


def inside(path: str, cwd: str) -> bool:
    c = posixpath.normpath(cwd)
    return c == "/" or path == c or path.startswith(c.rstrip("/") + "/")


def is_installed_code(path: str, cwd: str | None) -> bool:
    """Installed code outside the working directory `cwd` (None: unknown, and then never)."""
    if not cwd or not cwd.startswith("/"):
        return False
    p = norm(path, cwd)
    if p is None or inside(p, cwd):
        return False
    return _INSTALLED.search(p) is not None


def looks_installed(path: str) -> bool:
    """Could this path be installed code at all (cheap, before the working directory is looked for)?"""
    return _INSTALLED.search(path) is not None
