"""The web tool: requesters log in, see their engagement and ask for help (Flask).

`flask --app webtool …` finds `create_app` here; it is imported on use, so the command-line
report (`python -m webtool report`) does not load the web application.
"""

from __future__ import annotations


def create_app(*args, **kwargs):
    from webtool.app import create_app as build

    return build(*args, **kwargs)
