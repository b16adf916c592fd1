"""A full copy of the server opens no case: a requester sends a request with evidence and a
message, the legal team answers, notes, decides and records a reason in the books; then
everything the server holds (every table, every Redis key and value, the instance folder, the
environment and settings) is taken, and with it and the tool's own code none of their words
opens. The recovery key's private half, kept offline, opens them
all. And every column holds what the README's table says it holds."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest
from cryptography.fernet import InvalidToken
from sqlalchemy import create_engine, inspect, text
from support import CHECKOUT
from support.helpers import ADMIN, REQUESTER, answer, captured, change_status, post, send, write
from support.logins import log_in
from support.redisdb import REDIS_URL
from support.smtp_sink import SmtpSink

from webtool.app import create_app
from webtool.infra import keys
from webtool.infra.crypto import Sealer
from webtool.infra.keys import WrongKey
from webtool.services.sealing import DEVICE_COOKIE

PASSPHRASE = "four words for the team"
MESSAGE = "My neighbour saw the forum post too."
ANSWER = "Please tell us which forum it was."
NOTE = "Called the requester back on Tuesday."
REASON = "Severe doxxing, a hearing is near."
OVERRIDE = "Urgent: the hearing is next week."
DESCRIPTION = "Someone posted my home address on a forum after I reverted their edits."
EVIDENCE = "evil.example"  # a refused link of the evidence, kept in its outcome


@pytest.fixture
def recovery(monkeypatch) -> bytes:
    """The recovery key made offline: the tool is given its public half only."""
    public, private = keys.new_pair()
    monkeypatch.setenv("CHLDP_RECOVERY_PUBLIC_KEY", keys.public_text(public))
    return private


@pytest.fixture
def mail(monkeypatch):
    sink = SmtpSink()
    sink.start()
    monkeypatch.setenv("CHLDP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHLDP_SMTP_PORT", str(sink.port))
    yield sink
    sink.stop()


@pytest.fixture
def server(sandbox, database_url, tmp_path, recovery, mail, staff_list, redis_server):
    """The tool with its cache and rate limits in Redis (the tasks run at once, in the
    request that asks for them)."""
    return create_app(
        {"SQLALCHEMY_URL": database_url, "REDIS_URL": REDIS_URL, "TASKS_IMMEDIATE": True},
        instance_path=str(tmp_path / "instance"),
    )


def used(server, evidence_links) -> tuple[str, str, str]:
    """The request, its evidence and conversation, the team's work on it; its reference, the
    requester's recovery phrase and their device cookie."""
    admin = server.test_client()
    log_in(admin, ADMIN, unlocked=False)
    post(admin, "/staff/keys/passphrase", passphrase=PASSPHRASE, repeated=PASSPHRASE)
    requester = server.test_client()
    log_in(requester, REQUESTER)
    bundle, shown = captured(requester, evidence_links["text"])
    phrase = " ".join(re.findall(r"<code>([a-z]+)</code>", shown.split('class="phrase"')[1]))
    reference = send(requester).headers["Location"].rsplit("/", 1)[1]
    write(requester, reference, MESSAGE, bundles=[bundle])
    change_status(admin, reference, "in_review")
    change_status(admin, reference, "approved", REASON, assistance="both")
    answer(admin, reference, ANSWER)
    post(admin, f"/staff/case/{reference}/note", text=NOTE)
    post(
        admin,
        f"/staff/case/{reference}/money",
        kind="commitment",
        category="legal_fees",
        amount="500",
        override=OVERRIDE,
    )
    page = admin.get(f"/staff/case/{reference}").get_data(as_text=True)
    for word in (DESCRIPTION, MESSAGE, ANSWER, NOTE, REASON):
        assert word in page, word  # the team reads them all
    assert OVERRIDE in admin.get("/staff/audit").get_data(as_text=True)
    assert ANSWER in requester.get(f"/requests/{reference}").get_data(as_text=True)
    return reference, phrase, requester.get_cookie(DEVICE_COOKIE).value


def copy_of(server, database_url: str, redis_server) -> dict:
    """Everything the server holds: each table's rows, every Redis key and value, the instance
    folder's files, the environment, the settings."""
    engine = create_engine(database_url)
    tables = {}
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            if table == "alembic_version":
                continue
            rows = connection.execute(text(f"SELECT * FROM {table}")).mappings().all()
            tables[table] = [dict(row) for row in rows]
    engine.dispose()
    files = {
        str(path): path.read_bytes().decode("utf-8", "replace")
        for path in Path(server.instance_path).rglob("*")
        if path.is_file() and not path.name.endswith((".sqlite", ".db"))
    }
    stored = {}
    for key in redis_server.keys("*"):
        kind = redis_server.type(key)
        value = (
            redis_server.get(key)
            if kind == b"string"
            else repr(
                redis_server.dump(key)
            )  # lists, sets, hashes: their bytes as Redis keeps them
        )
        stored[key.decode("utf-8", "replace")] = (
            value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        )
    assert stored, "the tool kept nothing in Redis: the copy would not show Redis at all"
    return {
        "tables": tables,
        "redis": stored,
        "files": files,
        "environment": dict(os.environ),
        "settings": {name: repr(value) for name, value in server.config.items()},
    }


def everything_in(copy: dict) -> list[str]:
    texts = [
        str(value) for rows in copy["tables"].values() for row in rows for value in row.values()
    ]
    return (
        texts
        + list(copy["files"].values())
        + list(copy["environment"].values())
        + list(copy["settings"].values())
    )


def what_the_server_opens(copy: dict, server) -> list[str]:
    """Every value the copy's own keys open: the server's Fernet keys on whatever they open,
    and bundles' file keys while the server holds them."""
    fernet = Sealer(server.config["ENCRYPTION_KEYS"])
    opened = []
    for rows in copy["tables"].values():
        for row in rows:
            for value in row.values():
                if isinstance(value, str) and value.startswith("gAAAA"):
                    try:
                        opened.append(fernet.open_bytes(value).decode("utf-8", "replace"))
                    except (InvalidToken, ValueError):
                        pass
    for value in copy["redis"].values():  # the cache's values, sealed with the same keys
        for token in re.findall(r"gAAAAA[A-Za-z0-9_\-=]+", value):
            try:
                opened.append(fernet.open_bytes(token).decode("utf-8", "replace"))
            except (InvalidToken, ValueError):
                pass
    for bundle in copy["tables"]["evidence_bundles"]:
        if bundle["file_key_sealed"]:
            sealer = keys.FileSealer(fernet.open_bytes(bundle["file_key_sealed"]))
            for name in ("owner_sealed", "links_sealed", "outcome_sealed"):
                opened.append(sealer.open(bundle[name]))
    return opened


def key_like_values(copy: dict) -> set[bytes]:
    """Every run of characters in the copy that could be a 32-byte key, decoded."""
    found = set()
    for value in everything_in(copy):
        for candidate in re.findall(r"[A-Za-z0-9_\-]{43}=?|[0-9a-f]{64}", value):
            try:
                raw = (
                    bytes.fromhex(candidate)
                    if len(candidate) == 64
                    else base64.urlsafe_b64decode(candidate + "=" * (-len(candidate) % 4))
                )
            except ValueError:
                continue
            if len(raw) == 32:
                found.add(raw)
    return found


WORDS = (DESCRIPTION, MESSAGE, ANSWER, NOTE, REASON, OVERRIDE, EVIDENCE)


def test_a_full_copy_of_the_server_opens_no_case_and_the_recovery_key_opens_all(
    server, database_url, evidence_links, recovery, redis_server
):
    reference, phrase, device = used(server, evidence_links)
    copy = copy_of(server, database_url, redis_server)
    held = everything_in(copy)
    opened_by_server = what_the_server_opens(copy, server)
    for word in WORDS:
        assert not any(word in value for value in held), f"{word!r} is in the copy as it is"
        assert not any(word in value for value in opened_by_server), f"the server opens {word!r}"

    # Every value in the copy that could be a private key, tried on every wrapped key.
    wrapped = [
        *(row["private_for_recovery"] for row in copy["tables"]["team_keys"]),
        *(row["private_for_member"] for row in copy["tables"]["team_grants"]),
        *(row["case_key_team"] for row in copy["tables"]["help_requests"]),
        *(row["case_key_requester"] for row in copy["tables"]["help_requests"]),
        *(row["file_key_requester"] for row in copy["tables"]["evidence_bundles"]),
    ]
    candidates = key_like_values(copy)
    assert len(candidates) > 10  # the server's own keys, the public keys, hashes
    for candidate in candidates:
        for value in wrapped:
            with pytest.raises(WrongKey):
                keys.open_with(candidate, value)

    # The same copy with the recovery key's private half opens every word.
    (team,) = copy["tables"]["team_keys"]
    team_private = keys.open_with(recovery, team["private_for_recovery"])
    (case,) = [r for r in copy["tables"]["help_requests"] if r["reference"] == reference]
    case_private = keys.open_with(team_private, case["case_key_team"])
    opened = []
    # What the audit log wrote before the team key was made (the first admin's key) is sealed
    # to the recovery key itself.
    for rows, privates in (
        ([case], [case_private]),
        (copy["tables"]["case_messages"], [case_private]),
        (copy["tables"]["case_events"], [case_private]),
        (copy["tables"]["ledger"], [team_private]),
        (copy["tables"]["audit_log"], [team_private, recovery]),
    ):
        for row in rows:
            for name, value in row.items():
                if name.endswith("_sealed") and keys.is_sealed_to_key(value or ""):
                    opened.append(opened_by_one(privates, value))
    (bundle,) = copy["tables"]["evidence_bundles"]
    assert bundle["file_key_sealed"] is None  # attached and captured: the server's wrap is gone
    file_sealer = keys.FileSealer(keys.open_with(case_private, bundle["file_key_case"]))
    opened += [file_sealer.open(bundle[name]) for name in ("links_sealed", "outcome_sealed")]
    for word in WORDS:
        assert any(word in value for value in opened), f"the recovery key does not open {word!r}"

    # The copy with the requester's phrase, or with their device cookie, opens their side: what
    # they wrote, the team's answer, their evidence.
    (their_key,) = copy["tables"]["requester_keys"]
    by_phrase = keys.unlock_with_passphrase(their_key["private_for_phrase"], phrase)
    number, _, secret = device.partition(".")
    (their_device,) = [r for r in copy["tables"]["requester_devices"] if r["id"] == int(number)]
    by_device = keys.unlock_with_secret(their_device["private_locked"], secret, "device")
    assert by_phrase == by_device
    their_case = keys.open_with(by_phrase, case["case_key_requester"])
    theirs = [keys.open_text(their_case, case["description_sealed"])]
    theirs += [
        keys.open_text(their_case, m["text_sealed"]) for m in copy["tables"]["case_messages"]
    ]
    their_files = keys.FileSealer(keys.open_with(by_phrase, bundle["file_key_requester"]))
    theirs.append(their_files.open(bundle["outcome_sealed"]))
    for word in (DESCRIPTION, MESSAGE, ANSWER, EVIDENCE):
        assert any(word in value for value in theirs), f"the phrase does not open {word!r}"
    matches_the_readme(copy, server, database_url)


def opened_by_one(privates: list[bytes], value: str) -> str:
    for private in privates:
        try:
            return keys.open_text(private, value)
        except WrongKey:
            continue
    raise AssertionError("none of the keys opens a value")


# The README's table of columns: what each holds, as a copy shows it.

CATEGORIES = ("case", "team", "person", "server", "plain")


def readme_table() -> dict[str, dict[str, str]]:
    """{table: {column: category}} from the README's table, "file" for a bundle's file key."""
    text_ = (CHECKOUT / "README.md").read_text()
    start = text_.index("| table | sealed to the case |")
    table: dict[str, dict[str, str]] = {}
    current = ""
    for line in text_[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        current = cells[0].strip("`") or current
        for category, cell in zip(CATEGORIES, cells[1:6], strict=True):
            kind = "file" if "file key" in cell else category
            for column in re.findall(r"`([a-z_0-9]+)`", cell):
                table.setdefault(current, {})[column] = kind
    return table


def matches_the_readme(copy: dict, server, database_url: str) -> None:
    """Every non-empty value of every column holds what the README's table says it holds."""
    said = readme_table()
    server_keys = Sealer(server.config["ENCRYPTION_KEYS"])
    assert set(said) == set(copy["tables"]), "a table the README does not list, or the reverse"
    engine = create_engine(database_url)
    for table, rows in copy["tables"].items():
        columns = {column["name"] for column in inspect(engine).get_columns(table)}
        assert set(said[table]) == columns, f"{table}: the README lists other columns"
        for row in rows:
            for column, value in row.items():
                if value is None or value == "":
                    continue
                kind = said[table][column]
                where = f"{table}.{column}"
                if kind in ("case", "team"):
                    assert keys.is_sealed_to_key(value), where
                elif kind == "file":
                    assert str(value).startswith(keys.FILE), where
                elif kind == "person":
                    assert not str(value).startswith("gAAAA"), where
                    assert not any(word in str(value) for word in WORDS), where
                elif kind == "server" and str(value).startswith("gAAAA"):
                    server_keys.open_bytes(value)  # it is the server's to open
                elif kind == "plain":
                    assert not any(word in str(value) for word in WORDS), where
                    assert not str(value).startswith((keys.BOX, keys.FILE)), where
    engine.dispose()
