"""Bring the farm up, report on it, take it down.

Each wiki is Debian's MediaWiki 1.39 with Wikimedia's CentralAuth and GlobalBlocking (and
Translate on metawiki), on SQLite files in one folder, served by `php -S` on a free loopback
port. metawiki's public URL is the front (sandbox/front.py), which answers what the farm does
not run (the OAuth 2.0 provider, SiteMatrix) and passes the rest to its php. Beside them runs
an RFC 3161 time-stamping authority (sandbox/tsa.py) for evidence bundles.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import requests

from sandbox import SETTINGS_FILE, STATE_FILE, extensions, sandbox_dir, settings, tsa
from sandbox import seed as seeding
from sandbox.accounts import BOT_APP, OPERATOR, PASSWORD, WIKIS
from sandbox.dump import utcnow
from sandbox.mediawiki import MEDIAWIKI, SandboxError, ensure_mediawiki, run_php, wiki_env

PHP_FILES = Path(__file__).with_name("php")
LANGUAGES = {"metawiki": "en", "enwiki": "en", "dewiki": "de"}
SITENAMES = {"metawiki": "Meta", "enwiki": "Wikipedia", "dewiki": "Wikipedia"}


def up(directory: str | os.PathLike | None = None) -> dict:
    """Bring the farm up, or reuse it when it is already up, and return its state."""
    root = sandbox_dir(directory)
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root):
        state = _read_state(root)
        if state and not problems(state):
            return state
        if state:
            stop(state)
        ensure_mediawiki()
        seeded = (root / "seeded.json").exists()
        now = utcnow()
        ports = _ports(root, state)
        if not seeded:
            _build(root, now)
        state = _started(root, ports)
        if not seeded:
            seed = seeding.seed(root, state, now)
            (root / "seeded.json").write_text(json.dumps(seed, ensure_ascii=False, indent=1))
        state.update(json.loads((root / "seeded.json").read_text(encoding="utf-8")))
        _write_pywikibot_config(root, state)
        _write_state(root, state)
        _write_settings(root, state)
        return state


def stop(state: dict) -> list[int]:
    """Stop every process the farm started; return the pids that were still running."""
    stopped = []
    for pid in state.get("pids", {}).values():
        try:
            os.killpg(pid, signal.SIGTERM)
            stopped.append(pid)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + 10
    for pid in stopped:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
    return stopped


def down(directory: str | os.PathLike | None = None) -> list[int]:
    """Stop the farm in `directory`; its data stays for a fast `up` next time."""
    root = sandbox_dir(directory)
    with _locked(root):
        state = _read_state(root)
        return stop(state) if state else []


def problems(state: dict) -> list[str]:
    """What is wrong with a farm that should be up; empty when every wiki and the
    time-stamping authority answer."""
    found = []
    for name, pid in state.get("pids", {}).items():
        if not _alive(pid):
            found.append(f"{name}: process {pid} is not running")
    for wiki, info in state.get("wikis", {}).items():
        try:
            reply = requests.get(
                info["api_url"],
                params={"action": "query", "meta": "siteinfo", "format": "json"},
                timeout=5,
            )
            reply.raise_for_status()
            reply.json()["query"]["general"]
        except (requests.RequestException, ValueError, KeyError) as error:
            found.append(f"{wiki}: {info['api_url']} does not answer ({error})")
    if "tsa" not in state:
        found.append("tsa: this farm was started before it had a time-stamping authority")
    else:
        # It takes only POSTed queries: "405 Method Not Allowed" to a GET says it is there.
        url = state["tsa"]["url"]
        try:
            status = requests.get(url, timeout=5, allow_redirects=False).status_code
        except requests.RequestException as error:
            found.append(f"tsa: {url} does not answer ({error})")
        else:
            if status != 405:
                found.append(f"tsa: {url} answers a GET with {status}, not 405")
    return found


def _build(root: Path, now: datetime) -> None:
    """A new farm: the extensions unpacked, three wikis installed, seeded before they serve."""
    # A half-made farm (an earlier `up` that was stopped) is rebuilt from scratch.
    for folder in [*WIKIS, "data", "extensions"]:
        shutil.rmtree(root / folder, ignore_errors=True)
    (root / "data").mkdir()
    with ThreadPoolExecutor(len(WIKIS) + 1) as pool:
        unpacking = pool.submit(extensions.unpack, root / "extensions")
        list(pool.map(lambda w: _install(root, w), WIKIS))
        unpacking.result()
    seeding.prepare(root, now)


def _install(root: Path, wiki: str) -> None:
    """A new wiki on SQLite with the farm's settings, its operator a sysop and bureaucrat.

    The installer writes the files in a folder of its own (each wiki would make its own
    object cache); they then join the others in data/, where CentralAuth finds every wiki.
    """
    home = root / wiki
    installed = home / "installed"
    installed.mkdir(parents=True)
    (home / "cache").mkdir()
    docroot = home / "docroot"
    docroot.mkdir()
    (docroot / "w").symlink_to(MEDIAWIKI)
    (docroot / "w-extensions").symlink_to(root / "extensions")
    run_php(
        root,
        wiki,
        "install.php",
        "--dbtype=sqlite",
        f"--dbpath={installed}",
        f"--dbname={wiki}",
        "--server=http://127.0.0.1",
        "--scriptpath=/w",
        f"--lang={LANGUAGES[wiki]}",
        f"--pass={PASSWORD}",
        f"--confpath={home}",
        SITENAMES[wiki],
        OPERATOR,
        configured=False,
    )
    with (home / "LocalSettings.php").open("a", encoding="utf-8") as settings:
        settings.write(f"\nrequire_once '{PHP_FILES / 'FarmSettings.php'}';\n")
    shared = ["wikicache.sqlite"] if wiki == "metawiki" else []
    for name in [f"{wiki}.sqlite", f"{wiki}_l10n_cache.sqlite", *shared]:
        (installed / name).rename(root / "data" / name)
    shutil.rmtree(installed)


def _ports(root: Path, old: dict | None) -> dict[str, int]:
    """The farm's ports, the old ones when free; servers.json says where each wiki answers.

    Every wiki's settings read servers.json (sandbox/php/FarmSettings.php): CentralAuth knows
    a wiki only by its address, even in a maintenance script.
    """
    old_ports = (old or {}).get("ports", {})
    ports = {name: _port(old_ports.get(name)) for name in [*WIKIS, "metawiki-php", "tsa"]}
    servers = {wiki: f"http://127.0.0.1:{ports[wiki]}" for wiki in WIKIS}
    (root / "servers.json").write_text(json.dumps(servers))
    return ports


class PortTaken(SandboxError):
    """A port the farm picked was taken before its server could listen on it."""


def _started(root: Path, ports: dict[str, int]) -> dict:
    """The farm started on `ports`, or on others when one of them was taken meanwhile: they
    are picked before a new farm is built, and in the minute that takes any connection on the
    machine may get one of them as its own end."""
    try:
        return _start(root, ports)
    except PortTaken:
        return _start(root, _ports(root, None))


def _start(root: Path, ports: dict[str, int]) -> dict:
    """Start php for each wiki, the front for metawiki and the time-stamping authority.

    The authority's certificates are made here, not in _build: a farm built before it had one
    gains it when it next starts."""
    authority = tsa.prepare(root)
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    pids = {}
    wikis = {}
    for wiki in WIKIS:
        public = f"http://127.0.0.1:{ports[wiki]}"
        php_port = ports["metawiki-php"] if wiki == "metawiki" else ports[wiki]
        env = dict(os.environ, PHP_CLI_SERVER_WORKERS="4", **wiki_env(root, wiki))
        pids[wiki if wiki != "metawiki" else "metawiki-php"] = _spawn(
            [
                "php",
                "-S",
                f"127.0.0.1:{php_port}",
                "-t",
                str(root / wiki / "docroot"),
                str(PHP_FILES / "router.php"),
            ],
            env,
            logs / f"{wiki}.log",
        )
        wikis[wiki] = {
            "dbname": wiki,
            "lang": LANGUAGES[wiki],
            "server": public,
            "api_url": f"{public}/w/api.php",
            "index_url": f"{public}/w/index.php",
            "article_path": "/wiki/$1",
        }
    wikis["metawiki"]["backend_url"] = f"http://127.0.0.1:{ports['metawiki-php']}"
    pids["metawiki"] = _spawn(
        [sys.executable, "-m", "sandbox.front", str(root), str(ports["metawiki"])],
        dict(os.environ),
        logs / "front.log",
    )
    pids["tsa"] = _spawn(
        [sys.executable, "-m", "sandbox.tsa", str(root), str(ports["tsa"])],
        dict(os.environ),
        logs / "tsa.log",
    )
    meta = wikis["metawiki"]["server"]
    state = {
        "dir": str(root),
        "wikis": wikis,
        "central_wiki": "metawiki",
        "centralauth_api_url": wikis["metawiki"]["api_url"],
        "oauth": {
            "authorize_url": f"{meta}/w/rest.php/oauth2/authorize",
            "access_token_url": f"{meta}/w/rest.php/oauth2/access_token",
            "profile_url": f"{meta}/w/rest.php/oauth2/resource/profile",
            **_oauth_client(root),
        },
        "tsa": {"url": f"http://127.0.0.1:{ports['tsa']}/", **authority},
        "ports": ports,
        "pids": pids,
    }
    # The front reads the farm's layout from this file as it starts.
    _write_state(root, state)
    _wait_until_up(state)
    return state


def _oauth_client(root: Path) -> dict[str, str]:
    """The OAuth client the stand-in provider knows, made once per farm."""
    path = root / "oauth-client.json"
    if not path.exists():
        client = {"client_id": secrets.token_hex(16), "client_secret": secrets.token_hex(20)}
        path.write_text(json.dumps(client))
    return json.loads(path.read_text())


def _spawn(command: list[str], env: dict[str, str], log: Path) -> int:
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so `down` stops its workers too
            cwd=PHP_FILES.parent.parent,  # so `-m sandbox.front` finds this checkout
        )
    return process.pid


def _wait_until_up(state: dict, seconds: float = 30) -> None:
    """Until every part answers; PortTaken at once when a part stopped and its port is used
    by something else, SandboxError when the farm is not up in `seconds`."""
    deadline = time.monotonic() + seconds
    while found := problems(state):
        taken = [
            name
            for name, pid in state["pids"].items()
            if not _alive(pid) and _port(state["ports"][name]) != state["ports"][name]
        ]
        if taken or time.monotonic() > deadline:
            stop(state)
            if taken:
                raise PortTaken("the port of " + ", ".join(taken) + " was taken")
            raise SandboxError("the farm did not come up: " + "; ".join(found))
        time.sleep(0.1)


def _port(wanted: int | None) -> int:
    """`wanted` when it is free on loopback, else any free port."""
    for candidate in ([wanted] if wanted else []) + [0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise SandboxError("no free port on 127.0.0.1")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of this process counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _write_pywikibot_config(root: Path, state: dict) -> None:
    directory = root / "pywikibot"
    directory.mkdir(exist_ok=True)
    bot = state["bot"]
    lines = [
        "# Written by `python -m sandbox up`: Pywikibot on the sandbox farm.",
        *(f"family_files[{w!r}] = {i['api_url']!r}" for w, i in state["wikis"].items()),
        "family = 'metawiki'",
        "mylang = 'metawiki'",
        *(f"usernames[{w!r}][{w!r}] = {bot['name']!r}" for w in state["wikis"]),
        "password_file = 'user-password.py'",
        "write_maxlag = 5",
        "put_throttle = 0",
        "user_agent_description = 'chldp sandbox'",
    ]
    (directory / "user-config.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    secrets = directory / "user-password.py"
    secrets.write_text(
        "".join(
            f"({w!r}, {w!r}, {bot['name']!r}, BotPassword({BOT_APP!r}, {bot['botpassword']!r}))\n"
            for w in state["wikis"]
        ),
        encoding="utf-8",
    )
    secrets.chmod(0o600)
    state["pywikibot_dir"] = str(directory)


def _read_state(root: Path) -> dict | None:
    path = root / STATE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _write_state(root: Path, state: dict) -> None:
    temporary = root / (STATE_FILE + ".new")
    temporary.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(root / STATE_FILE)


def _write_settings(root: Path, state: dict) -> None:
    """chldp.env: the web tool's and the bot's settings for this farm, as KEY='value' lines
    for a shell's `set -a; . chldp.env; set +a` (bin/run does it)."""
    lines = ["# The web tool's and the bot's settings for this farm (python -m sandbox up)."]
    lines += [f"{name}={shlex.quote(value)}" for name, value in settings(state).items()]
    (root / SETTINGS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One `up` or `down` at a time per sandbox, across processes (parallel test runs)."""
    with (root / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
