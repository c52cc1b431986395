"""scripts/screenshots.py after scripts/start.sh alone (no test dependencies installed)."""

from __future__ import annotations

import sys

from scripts import screenshots


def test_without_playwright_it_says_what_to_install(monkeypatch, capsys):
    """It started the app and then died in an English traceback (ModuleNotFoundError):
    scripts/start.sh installs requirements.txt, and Playwright is in requirements-dev.txt."""
    monkeypatch.setitem(sys.modules, "playwright", None)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    started = []
    monkeypatch.setattr(screenshots.browser, "running_app", lambda *a, **kw: started.append(a))
    assert screenshots.main(["--db", "sqlite:///unused.db"]) == 2
    assert started == []
    err = capsys.readouterr().err
    assert "Нет Playwright" in err and "scripts/setup.sh --dev" in err
