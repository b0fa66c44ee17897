"""service/core is pure: no framework, no I/O, no clock. Checked on the source, import by import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).parents[2] / "service" / "core"
FORBIDDEN = {
    "flask",
    "werkzeug",
    "redis",
    "rq",
    "sqlalchemy",
    "alembic",
    "twilio",
    "requests",
    "httpx",
    "urllib",
    "http",
    "socket",
    "os",
    "subprocess",
    "shutil",
    "pathlib",
    "io",
    "sqlite3",
    "time",
    "random",
    "secrets",
    "logging",
    "threading",
    "asyncio",
    "multiprocessing",
    "tempfile",
    "dotenv",
}
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}


def imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def clock_reads(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CLOCK_CALLS
        ):
            found.append(f"line {node.lineno}: .{node.func.attr}()")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            found.append(f"line {node.lineno}: open()")
    return found


CORE_FILES = sorted(CORE.rglob("*.py"))


def test_core_has_modules():
    assert len(CORE_FILES) >= 4


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_module_is_pure(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    assert imported_roots(tree) & FORBIDDEN == set()
    assert clock_reads(tree) == []


def test_checker_catches_a_forbidden_import():
    tree = ast.parse(
        "import os\nfrom sqlalchemy.orm import Session\nfrom datetime import datetime\nx = datetime.now()\n"
    )
    assert imported_roots(tree) & FORBIDDEN == {"os", "sqlalchemy"}
    assert clock_reads(tree) == ["line 4: .now()"]
