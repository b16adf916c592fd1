"""The front of metawiki: the stand-ins Meta-Wiki has in production, and its real wiki behind.

`python -m sandbox.front SANDBOX_DIR PORT` serves metawiki's public URL. It answers
`meta=globaluserinfo` (CentralAuth) and `action=sitematrix` (SiteMatrix) on `/w/api.php`
and the OAuth 2.0 provider under `/w/rest.php/oauth2/`, in production's paths and shapes;
every other request goes to the real MediaWiki behind it, unchanged.
"""

from __future__ import annotations

import json
import sys
from http.cookiejar import DefaultCookiePolicy

import requests
from flask import Flask, Response, request
from werkzeug.serving import run_simple

from sandbox import load_state
from sandbox.centralauth import PROPS, GlobalUsers, InvalidUser, to_formatversion_1
from sandbox.farm import LANGUAGES, SITENAMES
from sandbox.oauth import create_blueprint
from sandbox.sitematrix import site_matrix

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-encoding",
    "content-length",
    "set-cookie",
}
DOCREF = "See {api} for API usage."


def create_front(state: dict) -> Flask:
    """The front's Flask app for a farm described by `state` (sandbox.json)."""
    app = Flask(__name__)
    app.secret_key = state["oauth"]["client_secret"] + "-front-session"
    backend = state["wikis"]["metawiki"]["backend_url"]
    users = GlobalUsers(state["wikis"])
    http = requests.Session()
    # A proxy keeps no cookies of its own: each browser's session cookie passes through.
    http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    app.register_blueprint(
        create_blueprint(
            backend + "/w/api.php",
            state["oauth"]["client_id"],
            state["oauth"]["client_secret"],
            users.central_id,
        ),
        url_prefix="/w/rest.php/oauth2",
    )

    @app.route("/w/api.php", methods=["GET", "POST"])
    def api() -> Response:
        request.get_data(cache=True)  # keep the body for pass_through once the form is read
        params = request.values.to_dict()
        modules = set(params.get("meta", "").split("|"))
        if params.get("action") == "sitematrix":
            return sitematrix(params)
        if params.get("action") != "query" or "globaluserinfo" not in modules:
            return pass_through()
        return globaluserinfo(params, modules - {"globaluserinfo", ""})

    def globaluserinfo(params: dict, other_modules: set[str]) -> Response:
        version2 = params.get("formatversion") in ("2", "latest")
        name = params.get("guiuser")
        user_id = params.get("guiid")
        try:
            if name is None and user_id is None:
                name = current_user()
            info = users.info(name, int(user_id) if name is None else None, wanted(params))
        except InvalidUser:
            return api_error(
                params, "baduser", f'Invalid value "{name}" for user parameter "guiuser".'
            )
        except (LookupError, ValueError):
            return api_error(params, "invaliduserid", f"User ID {user_id} is not valid.")
        result: dict = {"batchcomplete": True, "query": {}}
        if other_modules or any(k in params for k in ("list", "prop", "titles", "generator")):
            rest = dict(params, meta="|".join(sorted(other_modules)))
            result = backend_json(rest)
        result.setdefault("query", {})["globaluserinfo"] = info
        body = result if version2 else to_formatversion_1(result)
        return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")

    def sitematrix(params: dict) -> Response:
        body = {"sitematrix": site_matrix(state["wikis"], LANGUAGES, SITENAMES)}
        if params.get("formatversion") not in ("2", "latest"):
            body = to_formatversion_1(body)
        return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")

    def wanted(params: dict) -> set[str]:
        return {p for p in params.get("guiprop", "").split("|") if p in PROPS}

    def current_user() -> str | None:
        # Without guiuser, CentralAuth describes whoever is logged in on this wiki.
        reply = backend_json({"action": "query", "meta": "userinfo", "formatversion": "2"})
        user = reply["query"]["userinfo"]
        return None if user.get("anon") else user["name"]

    def backend_json(params: dict) -> dict:
        reply = http.post(
            backend + "/w/api.php",
            data=dict(params, format="json"),
            headers=forwarded_headers(),
            timeout=30,
        )
        return reply.json()

    def api_error(params: dict, code: str, text: str) -> Response:
        docref = DOCREF.format(api=request.base_url)
        if params.get("errorformat", "bc") == "bc":
            body = {"error": {"code": code, "info": text, "*": docref}}
        else:
            body = {
                "errors": [{"code": code, "text": text, "module": "query+globaluserinfo"}],
                "docref": docref,
            }
        response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
        response.headers["MediaWiki-API-Error"] = code
        return response

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
