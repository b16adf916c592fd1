"""The layers hold: `lint-imports` checks the contracts of pyproject.toml, and fails when a
wrong import is planted in a copy of the code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import CHECKOUT

PACKAGES = ["program", "sandbox", "webtool", "wikibot"]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the code under `root`, with its own pyproject.toml."""
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(command), "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy(tmp_path) -> Path:
    """The project's Python code and contracts, copied: a place to plant a wrong import."""
    for package in PACKAGES:
        shutil.copytree(
            CHECKOUT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("node_modules", "__pycache__", "static", "assets"),
        )
    shutil.copy(CHECKOUT / "pyproject.toml", tmp_path)
    return tmp_path


def plant(module: Path, line: str) -> None:
    text = module.read_text()
    module.write_text(
        text.replace(
            "from __future__ import annotations\n",
            f"from __future__ import annotations\n\n{line}\n",
            1,
        )
    )


def test_the_copy_keeps_every_contract(copy):
    checked = lint_imports(copy)
    assert checked.returncode == 0, checked.stdout
    assert "Contracts: 4 kept, 0 broken." in checked.stdout


@pytest.mark.parametrize(
    ("module", "line", "said"),
    [
        (
            "webtool/infra/keyed.py",
            "from webtool.pages import staff",
            "webtool.infra.keyed -> webtool.pages.staff",
        ),
        (
            "webtool/services/casework.py",
            "from webtool import sweep",
            "webtool.services.casework -> webtool.sweep",
        ),
        (
            "webtool/wikis/usernames.py",
            "from webtool.infra import db",
            "webtool.wikis.usernames -> webtool.infra.db",
        ),
        (
            "wikibot/render.py",
            "import webtool.infra.keyed",
            "wikibot.render -> webtool.infra.keyed",
        ),
        ("webtool/infra/config.py", "import sandbox", "webtool.infra.config -> sandbox"),
    ],
    ids=[
        "lower-imports-higher",
        "service-imports-the-sweep",
        "wikis-use-the-database",
        "bot-imports-the-tool",
        "production-imports-the-sandbox",
    ],
)
def test_a_wrong_import_breaks_a_contract(copy, module, line, said):
    plant(copy / module, line)
    checked = lint_imports(copy)
    assert checked.returncode == 1, checked.stdout
    assert said in checked.stdout
