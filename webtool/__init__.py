"""The web tool: requesters log in, see their engagement and ask for help (Flask).

`flask --app webtool …` finds `create_app` here; it is imported on use, so the command-line
report (`python -m webtool report`) does not load the web application.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask itself is imported on use too
    from flask import Flask


def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Flask:
    from webtool.app import create_app as build

    return build(overrides, instance_path)
