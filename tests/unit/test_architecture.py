"""The import rules of docs/architecture.md, checked on the source (not on what happens to load).

- ``drivers/`` is a card library: it imports neither Flask nor anything of ``kiosk``.
- Web views reach the card only through the visit layer: ``kiosk/web`` never imports ``drivers``.
- The pure cores (the flow state machine, the statistics report) import no Flask.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    target = ROOT / folder
    for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
        for module in imported_modules(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


RULES = [
    ("drivers", ("kiosk", "flask", "flask_babel", "flask_wtf", "werkzeug")),
    ("kiosk/web", ("drivers", "kiosk.composition")),  # views reach parts through the app, never build them
    ("kiosk/visit", ("flask", "flask_babel", "flask_wtf", "werkzeug", "kiosk.web")),
    ("kiosk/visit/flow.py", ("flask", "drivers", "sqlalchemy")),
    ("kiosk/statistics", ("flask", "drivers")),
    ("kiosk/staff", ("flask", "drivers")),
    ("kiosk/slip", ("flask", "drivers", "kiosk.web", "kiosk.visit.terminal")),
    ("kiosk/gateway", ("drivers", "kiosk.web", "kiosk.visit")),
]


@pytest.mark.parametrize(("folder", "forbidden"), RULES, ids=[r[0] for r in RULES])
def test_import_rules(folder: str, forbidden: tuple[str, ...]) -> None:
    assert (ROOT / folder).exists(), f"{folder} is named in docs/architecture.md but missing"
    assert offending(folder, forbidden) == []


def test_the_rule_checker_sees_a_violation(tmp_path: Path) -> None:
    # The checker must be able to fail: a file importing flask inside a drivers-like folder.
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from flask import Flask\n    import kiosk.web\n")
    assert {"flask", "kiosk.web"} <= imported_modules(sample)


def test_architecture_doc_names_every_package() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = ["drivers/", "drivers/virtualcard/"] + [
        f"kiosk/{p.name}/" for p in sorted((ROOT / "kiosk").iterdir()) if (p / "__init__.py").exists()
    ]
    missing = [p for p in packages if f"`{p}`" not in doc]
    assert missing == [], f"docs/architecture.md does not describe {missing}"


def test_no_test_module_imports_another_test_module() -> None:
    """Shared fixtures live in conftest.py and shared helpers in tests/support/, so a test file
    can be read, moved or deleted alone."""
    found = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for module in imported_modules(path):
            if module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith("test_"):
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    assert found == []


def test_no_dynamic_imports_dodge_the_rules() -> None:
    """importlib or __import__ in the card library or the views would slip past the rules above."""
    found = []
    for folder in ("drivers", "kiosk/web"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "importlib" in text or "__import__(" in text:
                found.append(str(path.relative_to(ROOT)))
    assert found == []
