"""Wikimedia in a box: a farm of real MediaWiki wikis on loopback for tests and the demo.

The tests and the farm's own commands find it the same way: `--dir`, else the environment
variable SANDBOX_DIR, else `.sandbox/` in the checkout, and read the `sandbox.json` that
`python -m sandbox up` wrote there. The web tool and the bot know nothing of it: `up` also
writes `chldp.env` there, their settings for this farm, which bin/run loads into the
environment (`set -a; . .sandbox/chldp.env; set +a` does the same in a shell).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
STATE_FILE = "sandbox.json"
SETTINGS_FILE = "chldp.env"
# Where the demo's web tool answers (bin/run), for the bot's status line.
STATUS_URL = "http://127.0.0.1:5000/api/v1/program-status"


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


def settings(state: dict) -> dict[str, str]:
    """The web tool's and the bot's settings for the farm of `state`, as the environment
    variables they read."""
    meta = state["wikis"]["metawiki"]
    return {
        "CHLDP_CENTRAL_API": state["centralauth_api_url"],
        "CHLDP_PROGRAM_API": meta["api_url"],
        "CHLDP_OAUTH_CLIENT_ID": state["oauth"]["client_id"],
        "CHLDP_OAUTH_CLIENT_SECRET": state["oauth"]["client_secret"],
        "CHLDP_OAUTH_BASE_URL": f"{meta['server']}/w/rest.php/oauth2",
        "PYWIKIBOT_DIR": state["pywikibot_dir"],
        "CHLDP_STATUS_URL": STATUS_URL,
        # The RFC 3161 authority that stamps evidence bundles, and the certificates a stamp
        # is checked against: its root CA and its signing certificate (PEM files).
        "CHLDP_TSA_URL": state["tsa"]["url"],
        "CHLDP_TSA_ROOT": state["tsa"]["root_cert"],
        "CHLDP_TSA_CERT": state["tsa"]["tsa_cert"],
    }
