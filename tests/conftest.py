"""Shared fixtures: one sandbox farm for the whole session, started or reused."""

from __future__ import annotations

import pytest

from sandbox import farm


@pytest.fixture(scope="session")
def sandbox() -> dict:
    """The running sandbox's state (sandbox.json as a dict); brings the farm up if needed."""
    return farm.up()
