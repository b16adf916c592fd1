"""The tool's own address in links that leave it: the OAuth callback Meta-Wiki sends people
back to, and the links in e-mails.

Behind Toolforge's front proxy the request says neither the scheme people used (the proxy
ends HTTPS) nor, in a form the tool can trust, the host: so in production the address is the
setting CHLDP_PUBLIC_URL, never read from the request. On a laptop, with no proxy and no
setting, it is the address the page was asked at; the worker, asked by no page, gives the path.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """The full address of `endpoint` as people reach the tool."""
    public = current_app.config.get("PUBLIC_URL")
    if public is None:
        if has_request_context():
            return url_for(endpoint, _external=True, **values)
        # A worker on a laptop knows no address people reach the tool at: the path alone.
        with current_app.test_request_context():
            return url_for(endpoint, **values)
    if not has_request_context():
        with current_app.test_request_context():
            return public + url_for(endpoint, **values)
    return public + url_for(endpoint, **values)
