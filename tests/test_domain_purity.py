"""The domain does no I/O: what import-linter cannot see.

`[tool.importlinter]` forbids the domain the I/O modules (os, pathlib, shutil, ...). Builtins
and methods need no import, so this scans the domain's source for them: opening or reading a
file, reading the environment or the console, printing. Files are read by the services
(services/tree_files.py), the machine's timezone by clock.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import esp_tui.domain

DOMAIN = Path(esp_tui.domain.__file__).parent
MODULES = sorted(DOMAIN.glob("*.py"))

# Calls by bare name (builtins) and by attribute (Path / file / os methods).
FORBIDDEN_CALLS = frozenset({"open", "input", "print", "breakpoint", "__import__"})
FORBIDDEN_METHODS = frozenset(
    {
        "read_text", "read_bytes", "write_text", "write_bytes", "open", "readlink",
        "getenv", "putenv", "iterdir", "glob", "rglob", "mkdir", "unlink", "stat",
    }
)  # fmt: skip
FORBIDDEN_ATTRIBUTES = frozenset({"environ"})


def io_uses(source: str) -> list[str]:
    """Each forbidden use in a module's source, as "line N: what"."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: {func.id}()")
            elif isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_METHODS:
                found.append(f"line {node.lineno}: .{func.attr}()")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def test_the_domain_has_modules_to_scan() -> None:
    names = {p.stem for p in MODULES}
    assert {"attendance", "cohort_time", "trees", "models"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_module_does_no_io(path: Path) -> None:
    assert io_uses(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("text = open('x').read()", ["line 1: open()"]),
        ("raw = path.read_text(encoding='utf-8')", ["line 1: .read_text()"]),
        ("with path.open('rb') as fh: pass", ["line 1: .open()"]),
        ("import os\nzone = os.environ.get('TZ')", ["line 2: .environ"]),
        ("target = os.readlink(p)", ["line 1: .readlink()"]),
        ("print('hi')", ["line 1: print()"]),
        ("flag = record.is_open\nopened = is_open(x)", []),
    ],
)
def test_the_scan_finds_io(source: str, expected: list[str]) -> None:
    assert io_uses(source) == expected


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_modules_stay_small(path: Path) -> None:
    """The issue's limit: no domain module over 400 lines."""
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 400, f"{path.name}: {lines} lines"
