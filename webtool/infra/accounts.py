"""The logged-in account, as the session keeps it. A module of its own, importing nothing of
the tool's, so that every module that acts for an account can name its type."""

from __future__ import annotations

from typing import TypedDict


class User(TypedDict):
    name: str
    id: int  # the central (global) account id
