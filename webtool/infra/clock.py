"""The tool's one clock: now, in UTC, without a zone, as every column of the database keeps it."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
