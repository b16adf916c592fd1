"""Shared fixtures: one sandbox farm for the whole session, started or reused."""

from __future__ import annotations

import pytest

from sandbox import farm, load_state


@pytest.fixture(scope="session")
def sandbox() -> dict:
    """The running sandbox's state (sandbox.json as a dict); brings the farm up if needed.

    A farm this session started is stopped at its end; one that was already up stays up.
    """
    before = load_state()
    was_up = before is not None and not farm.problems(before)
    state = farm.up()
    yield state
    if not was_up:
        farm.down()
