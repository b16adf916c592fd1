"""Debian's MediaWiki on this machine: making sure it is there, and running its scripts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

MEDIAWIKI = Path("/usr/share/mediawiki")
DEBIAN_PACKAGES = ["mediawiki", "php-cli", "php-sqlite3", "php-intl"]


class SandboxError(Exception):
    """The farm cannot be brought up; the message says what to do."""


def ensure_mediawiki() -> None:
    """Install MediaWiki and PHP from Debian when missing (as root), else say how."""
    if (MEDIAWIKI / "maintenance" / "install.php").exists() and shutil.which("php"):
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *DEBIAN_PACKAGES]
    if os.geteuid() != 0:
        raise SandboxError(
            "MediaWiki and PHP are missing. Install them with: sudo " + " ".join(command)
        )
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def run_php(
    root: Path,
    wiki: str,
    script: str | Path,
    *args: str,
    configured: bool = True,
    without: tuple[str, ...] = (),
) -> str:
    """Run a maintenance script for one wiki and return what it printed: a core script by its
    name, an extension's by its path; `without` names extensions to leave unloaded."""
    env = dict(os.environ, **wiki_env(root, wiki))
    if not configured:
        env.pop("MW_CONFIG_FILE")
    if without:
        env["SANDBOX_WITHOUT"] = ",".join(without)
    path = script if isinstance(script, Path) else MEDIAWIKI / "maintenance" / script
    done = subprocess.run(
        ["php", str(path), *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SandboxError(f"{wiki}: {script} failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def wiki_env(root: Path, wiki: str) -> dict[str, str]:
    """The environment that points MediaWiki at one wiki of the farm."""
    return {
        "MW_CONFIG_FILE": str(root / wiki / "LocalSettings.php"),
        # Extensions' maintenance scripts find MediaWiki by this; they live outside it.
        "MW_INSTALL_PATH": str(MEDIAWIKI),
        "SANDBOX_FARM": str(root),
        "SANDBOX_CACHE_DIR": str(root / wiki / "cache"),
    }
