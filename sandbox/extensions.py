"""Wikimedia's extensions the farm runs (sandbox/extensions/, see its README), and their tables.

Two of them cannot make their tables with MediaWiki's `update.php` on SQLite: CentralAuth's
updater makes its central tables only under Wikimedia's CI flag, and GlobalBlocking REL1_39's
applies MySQL-only patches (`ALTER ... MODIFY`). Their own SQLite schema files make them.
"""

from __future__ import annotations

import re
import sqlite3
import tarfile
from pathlib import Path

TARBALLS = Path(__file__).with_name("extensions")
EXTENSIONS = ("CentralAuth", "GlobalBlocking", "Translate", "UniversalLanguageSelector")
CENTRAL_DATABASE = "centralauth"
CENTRAL_SCHEMAS = (
    "CentralAuth/schema/sqlite/tables-generated.sql",
    "GlobalBlocking/sql/sqlite/tables-generated-globalblocks.sql",
)
# Each wiki's own table: the addresses it exempts from global blocks.
LOCAL_SCHEMA = "GlobalBlocking/sql/sqlite/tables-generated-global_block_whitelist.sql"
# The generated schemas mark where a table prefix and index options would go.
_PLACEHOLDERS = re.compile(r"/\*[_i]\*/")


def unpack(directory: Path) -> None:
    """Unpack every extension into `directory`, each in a folder named after it."""
    directory.mkdir(exist_ok=True)
    for name in EXTENSIONS:
        with tarfile.open(TARBALLS / f"{name}-REL1_39.tar.gz") as tarball:
            tarball.extractall(directory, filter="data")


def create_central_tables(extensions: Path, data: Path) -> None:
    """The central database: CentralAuth's global accounts and GlobalBlocking's blocks."""
    _run_schemas(data / f"{CENTRAL_DATABASE}.sqlite", [extensions / s for s in CENTRAL_SCHEMAS])


def create_local_tables(extensions: Path, data: Path, wiki: str) -> None:
    """The tables every wiki needs of its own: GlobalBlocking's whitelist."""
    _run_schemas(data / f"{wiki}.sqlite", [extensions / LOCAL_SCHEMA])


def grant_global_group_rights(data: Path, rights: dict[str, list[str]]) -> None:
    """Define global groups by their rights, as Special:GlobalGroupPermissions would: REL1_39
    has no API for it."""
    with sqlite3.connect(data / f"{CENTRAL_DATABASE}.sqlite") as db:
        db.executemany(
            "INSERT INTO global_group_permissions (ggp_group, ggp_permission) VALUES (?, ?)",
            [(group, right) for group, names in rights.items() for right in names],
        )


def _run_schemas(database: Path, schemas: list[Path]) -> None:
    with sqlite3.connect(database) as db:
        for schema in schemas:
            db.executescript(_PLACEHOLDERS.sub("", schema.read_text(encoding="utf-8")))
