"""Wikimedia in a box: a farm of real MediaWiki wikis on loopback for tests and the demo.

Everything that needs the sandbox (tests, the web tool's defaults, the bot) finds it the same
way: `--dir`, else the environment variable SANDBOX_DIR, else `.sandbox/` in the checkout,
and reads the `sandbox.json` that `python -m sandbox up` wrote there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
STATE_FILE = "sandbox.json"


def sandbox_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The sandbox directory: the explicit one, else $SANDBOX_DIR, else .sandbox/ here."""
    chosen = explicit or os.environ.get("SANDBOX_DIR") or CHECKOUT / ".sandbox"
    return Path(chosen).resolve()


def load_state(explicit: str | os.PathLike | None = None) -> dict | None:
    """The sandbox.json of a sandbox that was brought up, or None when there is none."""
    path = sandbox_dir(explicit) / STATE_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
