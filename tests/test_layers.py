"""The layers of the code and the one direction of their imports, checked by parsing every
module's imports (top level and inside functions alike).

    pages/ → dashboard.ui → dashboard.presentation → queries → dashboard.core
                         ↘ dashboard.writers ↗
    dashboard.cli uses every layer below dashboard.ui.

Only pages/ and dashboard.ui import Streamlit; migrations import no module of the
application, so replaying one later builds the same schema.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Layer -> the layers it may import from (besides itself).
ALLOWED = {
    "pages": {"ui", "presentation", "queries", "writers", "core"},
    "ui": {"presentation", "queries", "writers", "core"},
    "cli": {"presentation", "queries", "writers", "core"},
    "presentation": {"queries", "core"},
    "writers": {"core"},
    "queries": {"core"},
    "core": set(),
}
STREAMLIT_LAYERS = {"pages", "ui"}


def layer_of(module: str) -> str | None:
    """The layer of a module of the application by its dotted name; None for others."""
    parts = module.split(".")
    if parts[0] == "pages":
        return "pages"
    if parts[0] == "queries":
        return "queries"
    if parts[0] == "dashboard":
        if len(parts) == 1 or parts[1] == "__main__":
            return "cli"
        return {"ui": "ui", "presentation": "presentation", "writers": "writers", "core": "core",
                "cli": "cli"}.get(parts[1])
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> list[Path]:
    return sorted(p for top in ("pages", "queries", "dashboard") for p in (ROOT / top).rglob("*.py"))


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of the file."""
    return imports_in(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def imports_in(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import in ``source``, relative ones resolved;
    ``from X import y`` counts as importing X.y when that is a module of the application."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            parts = package[:len(package) - node.level + 1] if node.level else []
            base = ".".join(parts + ([node.module] if node.module else []))
            for a in node.names:
                full = f"{base}.{a.name}" if base else a.name
                out.append((node.lineno, full if layer_of(full) else base))
    return out


def test_every_module_has_a_layer():
    assert [str(p.relative_to(ROOT)) for p in modules() if layer_of(module_name(p)) is None] == []


def test_the_layer_names_match_the_tree():
    assert layer_of("dashboard.ui.app") == "ui" and layer_of("dashboard.core.migrations.env") == "core"
    assert layer_of("pages.overview") == "pages" and layer_of("dashboard.cli") == "cli"
    assert layer_of("streamlit") is None


def test_only_pages_and_the_ui_import_streamlit():
    offenders = [f"{p.relative_to(ROOT)}:{line} {name}" for p in modules()
                 if layer_of(module_name(p)) not in STREAMLIT_LAYERS
                 for line, name in imports(p) if name.split(".")[0].startswith("streamlit")]
    assert offenders == []


def test_no_module_imports_from_a_higher_layer():
    offenders = []
    for p in modules():
        here = layer_of(module_name(p))
        for line, name in imports(p):
            there = layer_of(name)
            if there is not None and there != here and there not in ALLOWED[here]:
                offenders.append(f"{p.relative_to(ROOT)}:{line} ({here}) imports {name} ({there})")
    assert offenders == []


@pytest.mark.parametrize("path", sorted((ROOT / "dashboard/core/migrations/versions").glob("*.py")),
                         ids=lambda p: p.name)
def test_migrations_import_no_module_of_the_application(path):
    assert [name for _, name in imports(path) if layer_of(name)] == []


def test_the_checks_can_fail():
    """The parser sees imports inside functions and resolves relative ones."""
    source = ("def f():\n    import streamlit as st\n    from .. import pages\n"
              "    from dashboard.presentation import charts\n    from .filters import Filters\n")
    found = [(name, layer_of(name)) for _, name in imports_in(source, "queries.probe", False)]
    assert found == [("streamlit", None), ("pages", "pages"), ("dashboard.presentation.charts", "presentation"),
                     ("queries.filters.Filters", "queries")]
