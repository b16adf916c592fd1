"""The front of metawiki: what Meta-Wiki has in production and the farm does not run, and
its real wiki behind.

`python -m sandbox.front SANDBOX_DIR PORT` serves metawiki's public URL. It answers
`action=sitematrix` (SiteMatrix) on `/w/api.php` and the OAuth 2.0 provider under
`/w/rest.php/oauth2/`, in production's paths and shapes; every other request, CentralAuth's
included, goes to the real MediaWiki behind it, unchanged.
"""

from __future__ import annotations

import json
import sys
from http.cookiejar import DefaultCookiePolicy

import requests
from flask import Flask, Response, request
from werkzeug.serving import run_simple

from sandbox import load_state
from sandbox.farm import LANGUAGES, SITENAMES
from sandbox.oauth import create_blueprint
from sandbox.sitematrix import site_matrix, to_formatversion_1

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-encoding",
    "content-length",
    "set-cookie",
}


def create_front(state: dict) -> Flask:
    """The front's Flask app for a farm described by `state` (sandbox.json)."""
    app = Flask(__name__)
    app.secret_key = state["oauth"]["client_secret"] + "-front-session"
    backend = state["wikis"]["metawiki"]["backend_url"]
    http = requests.Session()
    # A proxy keeps no cookies of its own: each browser's session cookie passes through.
    http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))

    @app.route("/w/api.php", methods=["GET", "POST"])
    def api() -> Response:
        request.get_data(cache=True)  # keep the body for pass_through once the form is read
        if request.values.get("action") == "sitematrix":
            return sitematrix(request.values.get("formatversion"))
        return pass_through()

    def sitematrix(formatversion: str | None) -> Response:
        body = {"sitematrix": site_matrix(state["wikis"], LANGUAGES, SITENAMES)}
        if formatversion not in ("2", "latest"):
            body = to_formatversion_1(body)
        return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")

    def central_id(name: str) -> int | None:
        """The id CentralAuth gives the global account `name`, None when there is none."""
        reply = http.get(
            backend + "/w/api.php",
            params={
                "action": "query",
                "meta": "globaluserinfo",
                "guiuser": name,
                "format": "json",
                "formatversion": "2",
            },
            timeout=30,
        )
        return reply.json()["query"]["globaluserinfo"].get("id")

    app.register_blueprint(
        create_blueprint(
            backend + "/w/api.php",
            state["oauth"]["client_id"],
            state["oauth"]["client_secret"],
            central_id,
        ),
        url_prefix="/w/rest.php/oauth2",
    )

    def forwarded_headers() -> dict[str, str]:
        return {k: v for k, v in request.headers.items() if k.lower() not in {"host", *HOP_BY_HOP}}

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "HEAD"])
    @app.route("/<path:path>", methods=["GET", "POST", "HEAD"])
    def pass_through(path: str = "") -> Response:
        reply = http.request(
            request.method,
            backend + (request.full_path if request.query_string else request.path),
            data=request.get_data(),
            headers=forwarded_headers(),
            allow_redirects=False,
            timeout=60,
        )
        response = Response(reply.content, status=reply.status_code)
        for key, value in reply.headers.items():
            if key.lower() not in {"host", *HOP_BY_HOP}:
                response.headers[key] = value
        # requests folds several Set-Cookie headers into one; take them one by one.
        for cookie in reply.raw.headers.getlist("Set-Cookie"):
            response.headers.add("Set-Cookie", cookie)
        return response

    return app


def main() -> None:
    directory, port = sys.argv[1], int(sys.argv[2])
    state = load_state(directory)
    run_simple("127.0.0.1", port, create_front(state), threaded=True)


if __name__ == "__main__":
    main()
