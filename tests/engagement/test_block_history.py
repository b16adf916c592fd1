"""The block history of the engagement report, checked against the farm's own logs: each block,
change and lift on the wikis read closely, and each lock of the global account, with a link
that opens its log entry; first, the longest block and the most recent one. A test that
blocks makes an account of its own, so no other test sees its blocks. Multiblocks, which the
farm's MediaWiki 1.39 does not have, are answered by a local server as Wikimedia's wikis do.
"""

from __future__ import annotations

import html
import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
import requests
from babel.dates import format_date
from support.faultserver import ok
from support.helpers import STAFF, farm_api, look_up
from support.logins import log_in

from sandbox.accounts import OPERATOR
from sandbox.api import ApiSession, operator_session
from webtool.__main__ import readable
from webtool.wikis.api import ApiClient
from webtool.wikis.engagement import Collector

# One line of Special:Log: the entry's id, its type and action, and what it says.
LOG_LINE = re.compile(
    r'<li data-mw-logid="(\d+)" data-mw-logaction="([^"]+)"[^>]*>(.*?)</li>', re.DOTALL
)


def gather(sandbox: dict, name: str) -> dict:
    return Collector(ApiClient(), sandbox["centralauth_api_url"]).report(name).to_dict()


def history(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["kind"] == "block_history"]


def block_log(sandbox: dict, wiki: str, name: str) -> list[dict]:
    """The wiki's block log about `name`, oldest first, as its own API gives it."""
    return farm_api(
        sandbox, wiki, list="logevents", letype="block", letitle=f"User:{name}", ledir="newer"
    )["query"]["logevents"]


def opened(link: str) -> tuple[int, str, str]:
    """What the page at `link` shows: its one log entry's id, type/action and text."""
    page = requests.get(link, timeout=30)
    page.raise_for_status()
    (entry,) = LOG_LINE.findall(page.text)
    logid, action, text = entry
    return int(logid), action, html.unescape(re.sub(r"<[^>]+>", "", text))


def day(timestamp: str) -> str:
    return timestamp[:10]


def test_a_sitewide_indefinite_block_is_in_the_history_with_its_log_entry(sandbox):
    name = "Blocked Harasser"
    (seeded,) = sandbox["accounts"][name]["blocks"]
    (entry,) = block_log(sandbox, "enwiki", name)
    longest, latest, block = history(gather(sandbox, name))

    assert block["summary"] == (
        f"Blocked on enwiki by {OPERATOR} on {day(entry['timestamp'])}, sitewide, "
        f"indefinitely: {seeded['reason']}"
    )
    assert (block["start"], block["end"]) == (entry["timestamp"], None)  # in force, no end
    logid, action, text = opened(block["link"])
    assert (logid, action) == (entry["logid"], "block/block")
    assert name in text and OPERATOR in text and seeded["reason"] in text

    assert longest["summary"] == (
        f"Longest block: on enwiki, since {day(entry['timestamp'])}, with no end"
    )
    assert latest["summary"] == (
        f"Most recent block: on enwiki, by {OPERATOR} on {day(entry['timestamp'])}"
    )
    assert longest["link"] == latest["link"] == block["link"]


def test_a_partial_and_a_sitewide_block_on_two_wikis_each_open_their_own_entry(sandbox):
    name = "Edit Warrior"
    seeded = {b["wiki"]: b for b in sandbox["accounts"][name]["blocks"]}
    assert not seeded["dewiki"]["sitewide"] and seeded["metawiki"]["sitewide"]
    entries = {wiki: block_log(sandbox, wiki, name) for wiki in seeded}
    namespaces = farm_api(sandbox, "dewiki", meta="siteinfo", siprop="namespaces")["query"][
        "namespaces"
    ]
    longest, latest, *blocks = history(gather(sandbox, name))

    assert {b["wiki"] for b in blocks} == set(seeded)
    for block in blocks:
        wiki, expected = block["wiki"], seeded[block["wiki"]]
        (entry,) = entries[wiki]
        if expected["sitewide"]:
            scope = "sitewide"
        else:
            talk = ", ".join(namespaces[str(n)]["name"] for n in expected["namespaces"])
            scope = f"partially (pages: {', '.join(expected['pages'])}; namespaces: {talk})"
        assert block["summary"] == (
            f"Blocked on {wiki} by {OPERATOR} on {day(entry['timestamp'])}, {scope}, "
            f"until {day(expected['expiry'])}: {expected['reason']}"
        )
        assert (block["start"], block["end"]) == (entry["timestamp"], expected["expiry"])
        assert block["link"].startswith(sandbox["wikis"][wiki]["server"] + "/wiki/Special:Log?")
        logid, action, text = opened(block["link"])
        assert (logid, action) == (entry["logid"], "block/block")
        assert name in text and expected["reason"] in text

    # Both are a year long: the longest is one of them; the most recent, the one placed last.
    held = {w: datetime.fromisoformat(seeded[w]["expiry"]) - placed(entries[w]) for w in seeded}
    assert held[longest["wiki"]] == max(held.values())
    assert longest["summary"].startswith(f"Longest block: on {longest['wiki']}, from ")
    last = max(entries, key=lambda w: entries[w][0]["timestamp"])
    assert latest["start"] == entries[last][0]["timestamp"]
    assert latest["summary"] == (
        f"Most recent block: on {latest['wiki']}, by {OPERATOR} on {day(latest['start'])}"
    )


def placed(entries: list[dict]) -> datetime:
    return datetime.fromisoformat(entries[0]["timestamp"])


def test_a_lock_is_in_the_history_with_its_stewards_entry(sandbox):
    name = "Locked Vandal"
    (entry,) = farm_api(
        sandbox, "metawiki", list="logevents", letype="globalauth", letitle=f"User:{name}@global"
    )["query"]["logevents"]
    (lock,) = history(gather(sandbox, name))  # locked, never blocked: no longest nor latest
    assert lock["summary"] == (
        f"The global account was locked by {entry['user']} on {day(entry['timestamp'])}: "
        f"{entry['comment']}"
    )
    logid, action, text = opened(lock["link"])
    assert (logid, action) == (entry["logid"], "globalauth/setstatus")
    assert f"{name}@global" in text


def new_account(sandbox: dict) -> tuple[ApiSession, str]:
    """The farm's operator on enwiki, and an account made there for one test: CentralAuth makes
    it a global account attached to enwiki, where the report finds it."""
    operator = sandbox["operator"]
    api = operator_session(
        sandbox["wikis"]["enwiki"]["api_url"], operator["name"], operator["password"]
    )
    name = f"Block History {secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    created = api.post(
        "createaccount",
        username=name,
        password=password,
        retype=password,
        reason="An account for a block history test",
        createreturnurl="http://127.0.0.1/",
        createtoken=api.token("createaccount"),
    )["createaccount"]
    assert created["status"] == "PASS", created
    info = farm_api(sandbox, "metawiki", meta="globaluserinfo", guiuser=name, guiprop="merged")
    assert [a["wiki"] for a in info["query"]["globaluserinfo"]["merged"]] == ["enwiki"]
    return api, name


@pytest.fixture
def lifted(sandbox) -> tuple[str, dict, dict]:
    """An account of the test's own, blocked on enwiki for a week by the farm's operator and
    unblocked: its name, and the block's and the unblock's entries."""
    api, name = new_account(sandbox)
    api.post("block", user=name, expiry="1 week", reason="Edit warring", token=api.token("csrf"))
    api.post("unblock", user=name, reason="Lifted on appeal", token=api.token("csrf"))
    block, unblock = block_log(sandbox, "enwiki", name)
    return name, block, unblock


def test_a_block_lifted_says_when_and_by_whom_and_both_entries_open(sandbox, lifted):
    name, block_entry, unblock_entry = lifted
    expiry = block_entry["params"]["expiry"]
    placed_at = datetime.fromisoformat(block_entry["timestamp"])
    assert datetime.fromisoformat(expiry) - placed_at == timedelta(weeks=1)

    report = gather(sandbox, name)
    assert [f for f in report["findings"] if f["kind"] == "restriction"] == []  # not blocked now
    longest, latest, block, lift = history(report)

    assert block["summary"] == (
        f"Blocked on enwiki by {OPERATOR} on {day(block_entry['timestamp'])}, sitewide, "
        f"until {day(expiry)}: Edit warring"
    )
    assert (block["start"], block["end"]) == (block_entry["timestamp"], unblock_entry["timestamp"])
    assert lift["summary"] == (
        f"Block on enwiki lifted by {OPERATOR} on {day(unblock_entry['timestamp'])}: "
        "Lifted on appeal"
    )
    assert lift["start"] == unblock_entry["timestamp"]
    for finding, entry, action in (
        (block, block_entry, "block/block"),
        (lift, unblock_entry, "block/unblock"),
    ):
        logid, shown, text = opened(finding["link"])
        assert (logid, shown) == (entry["logid"], action)
        assert name in text

    # It held the account from its start to its lift, not for the week it was placed for.
    assert longest["summary"] == (
        f"Longest block: on enwiki, from {day(block_entry['timestamp'])} "
        f"to {day(unblock_entry['timestamp'])}"
    )
    assert (longest["start"], longest["end"]) == (block["start"], block["end"])
    assert latest["summary"] == (
        f"Most recent block: on enwiki, by {OPERATOR} on {day(block_entry['timestamp'])}"
    )
    assert longest["link"] == latest["link"] == block["link"]


def test_a_block_changed_then_run_out_says_both(sandbox):
    api, name = new_account(sandbox)
    token = api.token("csrf")
    api.post("block", user=name, expiry="1 week", reason="Edit warring", token=token)
    api.post(
        "block",
        user=name,
        expiry="1 day",
        reason="Narrowed to the page warred on",
        partial=1,
        allowusertalk=1,
        pagerestrictions="Main Page",
        reblock=1,
        token=token,
    )
    block_entry, change_entry = block_log(sandbox, "enwiki", name)
    ends = change_entry["params"]["expiry"]
    # Read as on a day past the change's end, without waiting for it: the block ran out then.
    later = datetime.fromisoformat(ends) + timedelta(days=1)
    report = Collector(ApiClient(), sandbox["centralauth_api_url"]).report(name, now=later)
    longest, latest, block, change = history(report.to_dict())

    assert block["summary"] == (
        f"Blocked on enwiki by {OPERATOR} on {day(block_entry['timestamp'])}, sitewide, "
        f"until {day(block_entry['params']['expiry'])}: Edit warring"
    )
    assert block["end"] == change_entry["timestamp"]  # what it set held until the change
    assert change["summary"] == (
        f"Block on enwiki changed by {OPERATOR} on {day(change_entry['timestamp'])}: "
        f"partially (pages: Main Page; namespaces: —), until {day(ends)}, "
        "when the block ran out: Narrowed to the page warred on"
    )
    assert (change["start"], change["end"]) == (change_entry["timestamp"], ends)
    logid, action, text = opened(change["link"])
    assert (logid, action) == (change_entry["logid"], "block/reblock")
    assert name in text and "Main Page" in text
    assert longest["summary"] == (
        f"Longest block: on enwiki, from {day(block_entry['timestamp'])} to {day(ends)}"
    )
    assert latest["start"] == block_entry["timestamp"]  # a change is not a new block


def test_blocks_of_a_wiki_with_multiblocks_are_told_apart_by_their_ids(fault):
    """Since multiblocks, an account may have two blocks at once, and each entry names its
    block; a block placed before names none, and its later entries give it its id."""
    old = block_entry(1, "block", "2024-01-01T00:00:00Z", "Long-term abuse")
    renewed = block_entry(2, "reblock", "2025-08-22T00:00:00Z", "Long-term abuse", blockId=7)
    partial = block_entry(
        3,
        "block",
        "2025-09-01T00:00:00Z",
        "Edit warring",
        blockId=8,
        sitewide=False,
        expiry="2025-10-01T00:00:00Z",
        restrictions={"pages": [{"page_ns": 0, "page_title": "Article"}]},
    )
    lifted = block_entry(4, "unblock", "2025-09-15T00:00:00Z", "Appeal accepted", blockId=7)
    fault.route = one_wiki(fault, [old, renewed, partial, lifted])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    report = Collector(ApiClient(), fault.url).report("Test User", now=now).to_dict()

    assert [(f["summary"], f["end"]) for f in history(report)] == [
        ("Longest block: on metawiki, from 2024-01-01 to 2025-09-15", lifted["timestamp"]),
        ("Most recent block: on metawiki, by Admin on 2025-09-01", "2025-10-01T00:00:00Z"),
        (
            "Blocked on metawiki by Admin on 2024-01-01, sitewide, indefinitely: Long-term abuse",
            renewed["timestamp"],
        ),
        (
            "Block on metawiki changed by Admin on 2025-08-22: sitewide, indefinitely: "
            "Long-term abuse",
            lifted["timestamp"],
        ),
        (
            "Blocked on metawiki by Admin on 2025-09-01, partially (pages: Article; "
            "namespaces: —), until 2025-10-01, when the block ran out: Edit warring",
            "2025-10-01T00:00:00Z",
        ),
        ("Block on metawiki lifted by Admin on 2025-09-15: Appeal accepted", None),
    ]


def block_entry(logid: int, action: str, timestamp: str, reason: str, **params) -> dict:
    return {
        "logid": logid,
        "type": "block",
        "action": action,
        "title": "User:Test User",
        "user": "Admin",
        "timestamp": timestamp,
        "comment": reason,
        "params": {"sitewide": True, **params},
    }


def one_wiki(fault, entries: list[dict]):
    """A wiki that is Meta and the account's one wiki, where it edited and is not blocked now:
    its block log holds `entries`, and every other list is empty."""
    info = {
        "name": "Test User",
        "id": 1,
        "home": "metawiki",
        "registration": "2015-01-01T00:00:00Z",
        "groups": [],
        "merged": [
            {
                "wiki": "metawiki",
                "url": fault.url.removesuffix("/w/api.php"),
                "editcount": 10,
                "registration": "2015-01-01T00:00:00Z",
            }
        ],
    }

    def answer(params: dict[str, str]):
        if params.get("meta") == "globaluserinfo":
            return ok({"query": {"globaluserinfo": info}})
        block_log = params.get("letype") == "block" and params.get("letitle") == "User:Test User"
        return ok({"query": {"logevents": entries if block_log else [], "usercontribs": []}})

    return answer


def test_the_command_line_prints_the_block_history(sandbox):
    text = readable(gather(sandbox, "Blocked Harasser"))
    assert "\nBlock history:\n  - Longest block: on enwiki, since " in text
    # After the blocks in force, as the kinds are listed.
    assert text.index("Blocks and restrictions:") < text.index("Block history:")


def test_the_page_and_the_staff_look_up_show_the_block_history(sandbox, app, client, monkeypatch):
    name = "Edit Warrior"
    (dewiki,) = [b for b in sandbox["accounts"][name]["blocks"] if b["wiki"] == "dewiki"]
    (entry,) = block_log(sandbox, "dewiki", name)
    central = farm_api(sandbox, "metawiki", meta="globaluserinfo", guiuser=name)
    log_in(client, {"name": name, "id": central["query"]["globaluserinfo"]["id"]})

    page = html.unescape(client.get("/engagement?uselang=de").get_data(as_text=True))
    placed_on, ends = (
        format_date(datetime.fromisoformat(t), format="medium", locale="de")
        for t in (entry["timestamp"], dewiki["expiry"])
    )
    assert "<h2>Verlauf der Sperren</h2>" in page
    assert (
        f"In dewiki von {OPERATOR} am {placed_on} gesperrt, teilweise (Seiten: Artikel 7; "
        f"Namensräume: Diskussion), bis {ends}: {dewiki['reason']}"
    ) in page

    monkeypatch.setenv("CHLDP_STAFF", STAFF)
    staff = app.test_client()  # a session of its own, in English
    log_in(staff, {"name": "Jane Doe", "id": 10})
    staff_page = html.unescape(look_up(staff, name))
    assert f"[Block history] Blocked on dewiki by {OPERATOR} on " in staff_page
