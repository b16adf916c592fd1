"""Capturing evidence from the farm: every link form gives what the farm's own API gives, the
hidden revision is recorded as hidden, links to anything else are refused without a single
connection to them, and a wiki that stops answering gives a sentence, not a crash."""

from __future__ import annotations

import hashlib
import io
import json
import re
import socket
import threading
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from support.faultserver import garbage, ok, status
from support.helpers import farm_api, farm_revision, sent_by
from warcio.archiveiterator import ArchiveIterator

from sandbox.seed import operator_session
from webtool.wikis.api import ApiClient, Limits
from webtool.wikis.evidence.capture import (
    LOG_PROPS,
    NotCaptured,
    capture,
    capture_links,
)
from webtool.wikis.evidence.links import Link, LinkReader
from webtool.wikis.evidence.spool import WARC
from webtool.wikis.evidence.wacz import write_wacz
from webtool.wikis.evidence.wikis import AllowList, Wiki

FAST = Limits(timeout=0.5, retries=2, backoff=0.05, max_retry_after=1.0, parallel=1)


def shown_by_the_wiki(link: str) -> list[int | None]:
    """The two sides of the diff the wiki's own page shows at `link`: older (None when there
    is none) and newer, as DifferenceEngine hands them to the page's scripts."""
    page = requests.get(link, timeout=30)
    page.raise_for_status()
    sides = [re.search(rf'"wgDiff{side}Id":(\d+|false)', page.text)[1] for side in ("Old", "New")]
    return [None if side == "false" else int(side) for side in sides]


def farm_log_entry(state: dict, wiki: str, logid: int) -> dict:
    events = farm_api(state, wiki, action="query", list="logevents", leprop=LOG_PROPS, lelimit=500)
    return next(e for e in events["query"]["logevents"] if e["logid"] == logid)


@pytest.fixture(scope="module")
def facts(sandbox, harassment) -> dict:
    """Revision and log ids on the farm, and its wikis' addresses, to write links with."""
    latest, hidden, first = harassment
    german = next(
        r
        for page in farm_api(
            sandbox, "dewiki", action="query", list="allrevisions", arvlimit=50, arvprop="ids"
        )["query"]["allrevisions"]
        for r in page["revisions"]
        if r["parentid"]
    )

    def first_entry(wiki: str, kind: str) -> int:
        events = farm_api(sandbox, wiki, action="query", list="logevents", letype=kind, lelimit=1)
        return events["query"]["logevents"][0]["logid"]

    return {
        "en": sandbox["wikis"]["enwiki"]["server"],
        "de": sandbox["wikis"]["dewiki"]["server"],
        "first": first,
        "hidden": hidden,
        "latest": latest,
        "de_old": german["parentid"],
        "de_new": german["revid"],
        "block": first_entry("enwiki", "block"),
        "rights": first_entry("enwiki", "rights"),
        "de_rights": first_entry("dewiki", "rights"),
    }


# Each link form: the kind of item, its revisions (older first), and for a diff its two sides.
FORMS = [
    ("{en}/w/index.php?diff={latest}", "diff", ("hidden", "latest")),
    ("{en}/w/index.php?diff=prev&oldid={latest}", "diff", ("hidden", "latest")),
    ("{en}/w/index.php?diff={latest}&oldid={first}", "diff", ("first", "latest")),
    ("{en}/w/index.php?diff=next&oldid={first}", "diff", ("first", "hidden")),
    ("{en}/w/index.php?diff=cur&oldid={first}", "diff", ("first", "latest")),
    ("{en}/w/index.php?diff=&oldid={first}", "diff", ("first", "latest")),
    ("{en}/w/index.php?title=User_talk:Veteran_Editor&diff=", "diff", ("hidden", "latest")),
    ("{en}/w/index.php?oldid={first}", "revision", ("first",)),
    ("{en}/w/index.php?oldid={hidden}", "revision", ("hidden",)),
    ("{en}/wiki/Special:Diff/{latest}", "diff", ("hidden", "latest")),
    ("{en}/wiki/Special:Diff/{first}/{latest}", "diff", ("first", "latest")),
    ("{en}/wiki/Special:Diff/{first}", "diff", ("first",)),
    # MediaWiki keeps the sides as given, the newer on the left; only its count of the
    # revisions between them puts them in order.
    ("{en}/wiki/Special:Diff/{latest}/{first}", "diff", ("latest", "first")),
    ("{en}/wiki/Special:PermanentLink/{first}", "revision", ("first",)),
    ("{en}/wiki/Special:Permalink/{latest}", "revision", ("latest",)),
    ("{en}/wiki/Special:Redirect/revision/{first}", "revision", ("first",)),
    ("{en}/wiki/Special:Redirect?wptype=revision&wpvalue={first}", "revision", ("first",)),
    ("{en}/wiki/Special:Log?logid={block}", "log", ()),
    ("{en}/wiki/Special:Redirect/logid/{block}", "log", ()),
    ("{en}/w/index.php?title=Special:Log&logid={rights}", "log", ()),
    ("{en}/wiki/User_talk:Veteran_Editor", "page", ("latest",)),
    ("{de}/wiki/Spezial:Diff/{de_new}", "diff", ("de_old", "de_new")),
    ("{de}/wiki/Spezial:Differenz/{de_old}/{de_new}", "diff", ("de_old", "de_new")),
    ("{de}/wiki/Spezial:Permanenter_Link/{de_new}", "revision", ("de_new",)),
    ("{de}/wiki/Spezial:Logbuch?logid={de_rights}", "log", ()),
]


@pytest.fixture(scope="module")
def bundle(farm_wikis, sandbox, facts, tmp_path_factory) -> dict:
    """Every form captured in one go, written as a web archive and read back: line -> record,
    and each answer's body by its WARC record id."""
    text = "\n".join(form.format(**facts) for form, _, _ in FORMS)
    path = tmp_path_factory.mktemp("capture") / "bundle.wacz"
    with capture_links(ApiClient(), farm_wikis, text) as result:
        write_wacz(result, path, "forms")
        refused = result.refused
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("chldp/manifest.json"))
        bodies = {
            record.rec_headers.get_header("WARC-Record-ID"): record.raw_stream.read()
            for record in ArchiveIterator(io.BytesIO(archive.read("archive/data.warc.gz")))
            if record.rec_type == "response"
        }
    return {"refused": refused, "manifest": manifest, "bodies": bodies}


def record_of(bundle: dict, line: int) -> tuple[dict, dict[str, bytes]]:
    """The manifest's record of the item of `line`, and its answers' bodies by URL."""
    for record in bundle["manifest"]["items"]:
        if record["line"] == line:
            bodies = {e["url"]: bundle["bodies"][e["record_id"]] for e in record["records"]}
            return record, bodies
    raise AssertionError(f"line {line} was not captured: {bundle['refused']}")


def test_every_link_form_was_captured(bundle):
    assert bundle["refused"] == []
    assert [r["line"] for r in bundle["manifest"]["items"]] == list(range(1, len(FORMS) + 1))


def forms(kind: str | None = None) -> list:
    """The link forms of `kind` (all without), each with its line in the bundle."""
    return [
        pytest.param(line, form, id=form[0])
        for line, form in enumerate(FORMS, 1)
        if kind in (None, form[1])
    ]


@pytest.mark.parametrize(("line", "form"), forms())
def test_each_form_holds_what_the_farms_api_gives(sandbox, facts, bundle, line, form):
    _, kind, names = form
    record, _ = record_of(bundle, line)
    wiki = record["wiki"]

    assert record["kind"] == kind
    assert [r["revid"] for r in record["revisions"]] == [facts[name] for name in names]
    for kept in record["revisions"]:
        page, revision = farm_revision(sandbox, wiki, kept["revid"])
        main = revision["slots"]["main"]
        assert kept["title"] == page["title"] and kept["ns"] == page["ns"]
        for field in ("parentid", "timestamp", "user", "comment", "size", "sha1"):
            assert kept[field] == revision.get(field), field
        if main.get("texthidden"):
            assert kept["hidden"] == ["content"] and kept["wikitext_sha256"] is None
        else:
            assert kept["wikitext_sha256"] == hashlib.sha256(main["content"].encode()).hexdigest()
            assert kept["sha1_matches"] is True
    wiki_at = sandbox["wikis"][wiki]["api_url"].removesuffix("api.php")
    assert all(url.startswith(wiki_at) for url in record["requests"])
    assert record["pages"]
    assert all(url.startswith(f"{wiki_at}index.php?") for url in record["pages"])


@pytest.mark.parametrize(("line", "form"), forms("diff"))
def test_each_diff_is_the_farms_own_or_says_why_not(sandbox, facts, bundle, line, form):
    record, _ = record_of(bundle, line)
    diff = record["diff"]
    sides = [facts[name] for name in form[2]]

    assert [diff["from_revid"], diff["to_revid"]] == ([None] + sides)[-2:]
    assert [diff["from_revid"], diff["to_revid"]] == shown_by_the_wiki(form[0].format(**facts))
    if facts["hidden"] in sides:
        assert diff["body"] is None
        assert f"revision {facts['hidden']} is hidden" in diff["note"]
    else:
        asked = (
            {"fromrev": sides[0], "torev": sides[-1]}
            if len(sides) == 2
            else {"fromrev": sides[0], "torelative": "prev"}
        )
        expected = farm_api(sandbox, record["wiki"], action="compare", prop="diff", **asked)
        assert diff["body"] and diff["note"] is None
        assert diff["body"] == expected["compare"]["body"]


@pytest.mark.parametrize(("line", "form"), forms("log"))
def test_each_log_entry_is_the_farms_own(sandbox, facts, bundle, line, form):
    record, _ = record_of(bundle, line)
    logid = record["log"]["logid"]

    assert record["log"] == farm_log_entry(sandbox, record["wiki"], logid)
    assert re.search(rf"[=/]{logid}$", form[0].format(**facts))


def test_the_hidden_revision_is_recorded_as_hidden_without_its_text(facts, bundle):
    line = FORMS.index(("{en}/w/index.php?oldid={hidden}", "revision", ("hidden",))) + 1
    record, _ = record_of(bundle, line)
    (revision,) = record["revisions"]

    assert record["hidden"] == ["content"]
    assert revision["hidden"] == ["content"] and revision["sha1"] is None
    assert revision["user"] == "Blocked Harasser"  # only the content was hidden
    assert revision["wikitext_sha256"] is None


@pytest.mark.parametrize(
    "form", ["{en}/w/index.php?oldid={first}", "{en}/wiki/Special:Diff/{first}/{latest}"]
)
def test_each_answer_holds_the_bytes_the_wiki_sent(facts, bundle, form):
    record, bodies = record_of(bundle, FORMS.index(next(f for f in FORMS if f[0] == form)) + 1)

    for request in [url for url in record["requests"] if "/api.php?" in url]:
        sent = requests.get(request, timeout=30).content
        assert bodies[request] == sent


IMPORTED = "Page with an imported revision"


def import_revisions(session, revisions: list[tuple[str, str]]) -> None:
    """(day, name) revisions of IMPORTED, imported as an XML upload is."""
    body = "".join(
        f"<revision><timestamp>{day}T00:00:00Z</timestamp>"
        "<contributor><username>Farm Operator</username></contributor>"
        f"<comment>{name}</comment><model>wikitext</model><format>text/x-wiki</format>"
        f'<text xml:space="preserve">Revision {name}.</text></revision>'
        for day, name in revisions
    )
    dump = (
        '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">'
        f"<page><title>{IMPORTED}</title>{body}</page></mediawiki>"
    )
    reply = session.http.post(
        session.api_url,
        data={
            "action": "import",
            "interwikiprefix": "imported",
            "token": session.token("csrf"),
            "format": "json",
        },
        files={"xml": ("dump.xml", dump.encode())},
        timeout=60,
    )
    assert "error" not in reply.json(), reply.text


@pytest.fixture(scope="module")
def imported(sandbox, facts) -> dict[str, int]:
    """A page on enwiki whose revisions A, C, B follow in time, C imported after B was saved:
    B's parent is A, but the revision before it in the history is C. Made once; later runs
    find it."""

    def history() -> dict:
        return farm_api(
            sandbox,
            "enwiki",
            action="query",
            prop="revisions",
            titles=IMPORTED,
            rvprop="ids|comment",
            rvlimit=10,
        )["query"]["pages"][0]

    if history().get("missing"):
        session = operator_session(sandbox["wikis"]["enwiki"]["api_url"])
        import_revisions(session, [("2001-01-01", "A"), ("2001-01-03", "B")])
        import_revisions(session, [("2001-01-02", "C")])
    revisions = {r["comment"]: r for r in history()["revisions"]}
    assert revisions["B"]["parentid"] == revisions["A"]["revid"]
    return {"en": facts["en"], **{name: revisions[name]["revid"] for name in "ABC"}}


@pytest.mark.parametrize(
    ("form", "sides"),
    [
        ("{en}/wiki/Special:Diff/{B}", ("C", "B")),
        ("{en}/w/index.php?diff=prev&oldid={B}", ("C", "B")),
        ("{en}/w/index.php?diff={B}", ("C", "B")),
        ("{en}/w/index.php?diff=next&oldid={C}", ("C", "B")),
        ("{en}/w/index.php?diff=next&oldid={A}", ("A", "C")),
    ],
)
def test_a_diff_is_with_the_revision_next_to_it_in_the_history_not_its_parent(
    farm_wikis, imported, form, sides
):
    link = form.format(**imported)

    (item,) = capture_links(ApiClient(), farm_wikis, link).items

    record = item.record()
    expected = [imported[name] for name in sides]
    assert [record["diff"]["from_revid"], record["diff"]["to_revid"]] == expected
    assert expected == shown_by_the_wiki(link)
    asked = [url for url in record["requests"] if "/api.php?" in url]
    assert len(asked) == 3  # the revision, its neighbour in the history, the diff


def test_log_entries_are_found_by_searching_the_log_a_few_entries_at_a_time(farm_wikis, sandbox):
    events = farm_api(sandbox, "metawiki", action="query", list="logevents", lelimit=500)
    ids = [event["logid"] for event in events["query"]["logevents"]]
    assert ids == sorted(ids, reverse=True), "the search assumes ids in time order"
    server = sandbox["wikis"]["metawiki"]["server"]
    client = ApiClient()
    reader = LinkReader(client, farm_wikis)

    for page in (1, 3):
        # Every position around the first pages' edges, and the rest of the log at even steps
        # to its oldest entry: the log grows with every test that writes on Meta-Wiki, and
        # each search costs requests in proportion to its entry's depth.
        positions = sorted({*range(min(2 * page + 3, len(ids))), *range(0, len(ids), 25)})
        for logid in [ids[p] for p in positions] + [ids[-1]]:
            link = reader.read(f"{server}/wiki/Special:Log?logid={logid}")
            assert capture(client, link, log_page=page).log["logid"] == logid


@pytest.mark.parametrize(
    ("form", "key", "params"),
    [
        ("{en}/w/index.php?oldid=99999999", "chldp-evidence-no-revision", ("99999999", "enwiki")),
        (
            "{en}/wiki/No_such_page_here",
            "chldp-evidence-no-page",
            ("No such page here", "enwiki"),
        ),
        (
            "{en}/w/index.php?diff=next&oldid={latest}",
            "chldp-evidence-no-next-revision",
            ("{latest}", "User talk:Veteran Editor"),
        ),
        (
            "{en}/wiki/Special:Log?logid=99999999",
            "chldp-evidence-no-log-entry",
            ("99999999", "enwiki"),
        ),
    ],
)
def test_a_link_with_nothing_behind_it_is_refused_with_a_sentence(
    farm_wikis, sandbox, facts, form, key, params
):
    result = capture_links(ApiClient(), farm_wikis, form.format(**facts))

    (refusal,) = result.refused
    assert result.items == []
    assert (refusal.key, refusal.params) == (key, tuple(p.format(**facts) for p in params))
    assert not refusal.temporary


def test_a_title_mediawiki_refuses_is_refused_alone_and_never_sent(farm_wikis, facts, tmp_path):
    lines = [
        "{en}/w/index.php?oldid={first}".format(**facts),
        f"{facts['en']}/wiki/User_talk:Veteran_Editor%7CMain_Page",
        f"{facts['en']}/w/index.php?title=Main_Page|User_talk:Veteran_Editor&action=history",
        f"{facts['en']}/wiki/Talk:Meatball:X",  # only the wiki knows Meatball is an interwiki
        "{de}/wiki/Spezial:Diff/{de_new}".format(**facts),
    ]
    client = ApiClient()
    sent = sent_by(client)

    result = capture_links(client, farm_wikis, "\n".join(lines))

    assert [item.line for item in result.items] == [1, 5]
    assert [(r.line, r.key, r.params) for r in result.refused] == [
        (2, "chldp-evidence-title-characters", ("User_talk:Veteran_Editor|Main_Page", "|")),
        (3, "chldp-evidence-title-characters", ("Main_Page|User_talk:Veteran_Editor", "|")),
        (
            4,
            "chldp-evidence-invalid-title",
            (
                "Talk:Meatball:X",
                "The requested page title refers to a talk page that cannot exist.",
            ),
        ),
    ]
    assert all(r.say("de") and r.say("ar") and r.record()["reason"] for r in result.refused)
    titles = [value for url in sent for value in parse_qs(urlsplit(url).query).get("titles", [])]
    assert titles == ["Talk:Meatball:X"]
    write_wacz(result, tmp_path / "bundle.wacz", "titles")


@pytest.mark.parametrize(
    ("fields", "key", "params"),
    [
        (
            {"kind": "page", "title": "User talk:Veteran Editor|Main Page"},
            "chldp-evidence-title-characters",
            ("User talk:Veteran Editor|Main Page", "|"),
        ),
        (
            {"kind": "page", "title": "\x1fUser talk:Veteran Editor\x1fMain Page"},
            "chldp-evidence-title-characters",
            ("?User talk:Veteran Editor?Main Page", "U+001F"),
        ),
        ({"kind": "revision", "revid": "1|2"}, "chldp-evidence-bad-revision-number", ("1|2",)),
    ],
)
def test_a_value_the_api_would_split_is_never_sent(farm_wikis, facts, fields, key, params):
    wiki, _ = farm_wikis.locate(facts["en"])
    client = ApiClient()
    sent = sent_by(client)

    with pytest.raises(NotCaptured) as refused:
        capture(client, Link(line=1, url=facts["en"], wiki=wiki, **fields))

    assert (refused.value.key, refused.value.params) == (key, params)
    assert sent == []


class Listener:
    """A socket listening on loopback that records every connection made to it."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.05)
        self.port = self.socket.getsockname()[1]
        self.accepted: list[tuple] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.record, daemon=True)
        self.thread.start()

    def record(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, address = self.socket.accept()
            except TimeoutError:
                continue
            self.accepted.append(address)
            connection.close()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.socket.close()


@pytest.fixture
def listener():
    found = Listener()
    yield found
    found.close()


def test_links_to_anything_else_are_refused_and_never_connected_to(
    farm_wikis, sandbox, facts, listener
):
    port = listener.port
    refused = {
        f"http://127.0.0.1:{port}/wiki/Main_Page": "chldp-evidence-ip-address",
        f"http://2130706433:{port}/w/index.php?oldid=1": "chldp-evidence-ip-address",
        f"http://0x7f000001:{port}/wiki/Special:Diff/1": "chldp-evidence-ip-address",
        f"http://0x7f.0.0.1:{port}/": "chldp-evidence-ip-address",
        f"http://127.1:{port}/wiki/X": "chldp-evidence-ip-address",
        f"http://localhost:{port}/wiki/X": "chldp-evidence-other-host",
        f"http://en.wikipedia.org.evil.example:{port}/wiki/X": "chldp-evidence-other-host",
        f"http://xn--wikipedi-86g.org:{port}/wiki/X": "chldp-evidence-look-alike",
        f"{facts['en']}@127.0.0.1:{port}/w/index.php?oldid=1": "chldp-evidence-user-in-host",
        f"http://127.0.0.1:{port}\\@{facts['en'][7:]}/wiki/X": "chldp-evidence-bad-characters",
        f"ftp://127.0.0.1:{port}/": "chldp-evidence-scheme",
        "file:///etc/passwd": "chldp-evidence-scheme",
        "javascript:alert(document.cookie)": "chldp-evidence-scheme",
        f"http://127.0.0.1:{port}/wiki/" + "A" * 5000: "chldp-evidence-too-long",
    }
    good = [
        "{en}/w/index.php?oldid={first}".format(**facts),
        "{de}/wiki/Spezial:Diff/{de_new}".format(**facts),
    ]
    lines = [good[0], *refused, good[1]]

    result = capture_links(ApiClient(), farm_wikis, "\n".join(lines))

    assert [item.line for item in result.items] == [1, len(lines)]
    assert [(r.line, r.key) for r in result.refused] == [
        (number, refused[line]) for number, line in enumerate(lines, 1) if line in refused
    ]
    assert len({r.reason for r in result.refused if r.key == "chldp-evidence-scheme"}) == 3
    assert listener.accepted == []
    # The listener does see a connection when there is one.
    socket.create_connection(("127.0.0.1", port)).close()
    listener.close()
    assert len(listener.accepted) == 1


@pytest.fixture
def fault_wiki(sandbox, facts, fault):
    """A wiki on the fault server that starts as enwiki's mirror: its siteinfo and revisions."""
    port = fault.http.server_port
    wiki = Wiki("faultwiki", f"http://127.0.0.1:{port}", fault.url)
    siteinfo = farm_api(
        sandbox,
        "enwiki",
        action="query",
        meta="siteinfo",
        siprop="general|namespaces|namespacealiases|specialpagealiases",
    )
    page, _ = farm_revision(sandbox, "enwiki", facts["first"])
    revisions = {"query": {"pages": [page]}}
    links = "\n".join(f"{wiki.server}/w/index.php?oldid={facts['first']}" for _ in range(3))
    return {
        "allow": AllowList([wiki]),
        "siteinfo": siteinfo,
        "revisions": revisions,
        "links": links,
    }


@pytest.mark.parametrize(
    ("failure", "tries"),
    [(status(503), FAST.retries + 1), (garbage(), 1)],
    ids=["503, tried again", "not JSON"],
)
def test_a_wiki_that_stops_answering_mid_way_gives_a_temporary_refusal(
    fault, fault_wiki, failure, tries
):
    fault.script = [ok(fault_wiki["siteinfo"]), ok(fault_wiki["revisions"]), failure]

    result = capture_links(ApiClient(limits=FAST), fault_wiki["allow"], fault_wiki["links"])

    assert [item.line for item in result.items] == [1]
    assert [(r.line, r.key, r.params, r.temporary) for r in result.refused] == [
        (2, "chldp-evidence-unreachable", ("faultwiki",), True),
        (3, "chldp-evidence-unreachable", ("faultwiki",), True),
    ]
    assert result.refused[0].reason.startswith("faultwiki could not be reached just now")
    # The first link's page was asked as many times as the second link (its API answers are
    # kept all the same); the third link was not asked for: the wiki had stopped answering.
    assert len(fault.requests) == 2 + 2 * tries


def test_an_answer_holds_the_bytes_of_the_answer_not_of_a_failure_before_it(fault, fault_wiki):
    answer = ok(fault_wiki["revisions"])
    fault.script = [ok(fault_wiki["siteinfo"]), status(503), answer]
    link = fault_wiki["links"].splitlines()[0]

    (item,) = capture_links(ApiClient(limits=FAST), fault_wiki["allow"], link).items

    records = ArchiveIterator(io.BytesIO(item.read(WARC)))
    first = next(record for record in records if record.rec_type == "response")
    assert first.http_headers.get_statuscode() == "200"
    assert first.raw_stream.read() == answer[2].encode()


def test_a_sha1_that_does_not_match_the_text_is_said_so_in_the_index(fault, fault_wiki, tmp_path):
    revisions = json.loads(json.dumps(fault_wiki["revisions"]))
    revisions["query"]["pages"][0]["revisions"][0]["sha1"] = "0" * 40
    fault.script = [ok(fault_wiki["siteinfo"]), ok(revisions)]
    link = fault_wiki["links"].splitlines()[0]
    path = tmp_path / "bundle.wacz"

    with capture_links(ApiClient(limits=FAST), fault_wiki["allow"], link) as result:
        write_wacz(result, path, "sha1")

    index = zipfile.ZipFile(path).read("chldp/index.html").decode()
    assert f"<code>{'0' * 40}</code> (does not match the text captured)</dd>" in index


def test_a_wiki_that_cannot_be_reached_at_all_refuses_each_of_its_lines(fault, fault_wiki):
    fault.close()

    result = capture_links(ApiClient(limits=FAST), fault_wiki["allow"], fault_wiki["links"])

    assert result.items == []
    assert [(r.key, r.temporary) for r in result.refused] == [
        ("chldp-evidence-unreachable", True)
    ] * 3


def test_an_api_error_is_refused_with_the_wikis_own_words(fault, fault_wiki):
    error = {"errors": [{"code": "readapidenied", "text": "You need read permission."}]}
    fault.script = [ok(fault_wiki["siteinfo"]), ok(error)]

    result = capture_links(ApiClient(limits=FAST), fault_wiki["allow"], fault_wiki["links"])

    assert result.items == []
    assert {(r.key, r.params) for r in result.refused} == {
        ("chldp-evidence-wiki-error", ("faultwiki", "You need read permission."))
    }
    assert result.refused[0].say("de").endswith("Das Wiki meldete: You need read permission.")


def test_a_style_sheet_is_kept_by_the_first_line_whichever_page_came_first(fault, fault_wiki):
    """Links are captured a few at once. The first line's page comes last here, and still the
    style sheet all the pages load is kept with the first line, asked for once: a bundle that
    keeps the first lines and drops the rest keeps the sheets its pages need."""
    revision = fault_wiki["revisions"]["query"]["pages"][0]["revisions"][0]
    revids = [revision["revid"] + n for n in range(4)]  # the wiki answers for any of them
    sheet = "/w/load.php?lang=en&modules=site.styles&only=styles"
    html = f'<html><head><link rel="stylesheet" href="{sheet}"></head><body>X</body></html>'

    def route(params: dict[str, str]):
        if params.get("meta") == "siteinfo":
            return ok(fault_wiki["siteinfo"])
        if "revids" in params:
            answer = json.loads(json.dumps(fault_wiki["revisions"]))
            answer["query"]["pages"][0]["revisions"][0]["revid"] = int(params["revids"])
            return ok(answer)
        if "modules" in params:
            return 200, {"Content-Type": "text/css"}, "body { color: #202122 }", 0.0
        late = params.get("oldid") == str(revids[0])
        return 200, {"Content-Type": "text/html"}, html, 1.0 if late else 0.0

    fault.route = route
    server = f"http://127.0.0.1:{fault.http.server_port}"
    links = "\n".join(f"{server}/w/index.php?oldid={revid}" for revid in revids)
    four_at_once = Limits(timeout=5.0, retries=0, backoff=0.05, max_retry_after=1.0, parallel=4)

    with capture_links(ApiClient(limits=four_at_once), fault_wiki["allow"], links) as result:
        holding = [
            kept.line
            for kept in result.items
            if any("load.php" in url for url in kept.record()["requests"])
        ]
    assert [kept.line for kept in result.items] == [1, 2, 3, 4]
    assert holding == [1]
    assert sum("modules" in params for params in fault.requests) == 1
