"""The README must keep up with the code: every CLI command and option, every setting."""

import argparse
import re
from pathlib import Path

from dashboard.cli import build_parser
from dashboard.core import settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _subcommands():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices.items()


def test_every_cli_command_and_option_is_documented():
    for name, sub in _subcommands():
        assert f"python -m dashboard {name}" in README, f"README does not show `{name}`"
        for action in sub._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt != "--help":
                    assert opt in README, f"README does not document `{name} {opt}`"


def test_every_setting_is_documented():
    env_vars = set(re.findall(r"``([A-Z][A-Z_]+)``", settings.__doc__)) - {"NORM_HOURS_ALLOWED"}
    assert env_vars, "settings docstring lists the variables"
    for var in env_vars:
        assert f"`{var}`" in README, f"README does not document {var}"


def test_readme_commands_exist():
    root = Path(__file__).resolve().parent.parent
    for script in re.findall(r"^(scripts/[\w.-]+)", README, re.M):
        assert (root / script).exists(), script
    assert "scripts/test.sh" in (root / ".ci" / "run").read_text()
