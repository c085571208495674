"""`serve` builds its venv once under a lock, and again only when requirements.txt changes.

These run a copy of `serve` in a temporary folder whose requirements.txt installs nothing, so
no package index is needed; the copy then fails to start localcloud (it has no package),
which is irrelevant here.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from conftest import SERVE

BUILDING = "localcloud: building"


def _serve_copy(tmp_path: Path, requirements: str) -> Path:
    shutil.copy(SERVE, tmp_path / "serve")
    (tmp_path / "requirements.txt").write_text(requirements)
    return tmp_path / "serve"


def _start(serve: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([str(serve), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stamp(tmp_path: Path) -> str:
    return (tmp_path / ".venv" / ".requirements.sha256").read_text().strip()


def test_concurrent_starts_build_the_venv_once(tmp_path: Path):
    serve = _serve_copy(tmp_path, "# nothing to install\n")

    processes = [_start(serve) for _ in range(3)]
    outputs = [p.communicate(timeout=300) for p in processes]

    stderr = "".join(err for _, err in outputs)
    assert stderr.count(BUILDING) == 1
    assert all(out == "" for out, _ in outputs)
    assert _stamp(tmp_path) == hashlib.sha256((tmp_path / "requirements.txt").read_bytes()).hexdigest()


def test_the_venv_is_rebuilt_only_when_requirements_change(tmp_path: Path):
    serve = _serve_copy(tmp_path, "# first\n")
    _start(serve).communicate(timeout=300)

    _, unchanged = _start(serve).communicate(timeout=300)
    (tmp_path / "requirements.txt").write_text("# second\n")
    _, changed = _start(serve).communicate(timeout=300)

    assert BUILDING not in unchanged
    assert BUILDING in changed
    assert _stamp(tmp_path) == hashlib.sha256(b"# second\n").hexdigest()
