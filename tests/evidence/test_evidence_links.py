"""Reading evidence links: every form people paste, on the farm's wikis and on production-like
hosts; each bad line refused with its own sentence, in the requester's language."""

from __future__ import annotations

import pytest
import requests
from support.helpers import farm_api

from webtool.infra.cache import MemoryCache
from webtool.wikis.api import ApiClient
from webtool.wikis.evidence.links import MAX_LINKS, BadLink, LinkReader, Refusal
from webtool.wikis.evidence.wikis import MAX_LINK_LENGTH, AllowList, NotAllowed, Wiki

SITEINFO = "general|namespaces|namespacealiases|specialpagealiases"


def production_wiki(dbname: str, host: str) -> Wiki:
    return Wiki(dbname, f"https://{host}", f"https://{host}/w/api.php")


# Shaped as the site matrix gives Wikimedia's wikis; read here, never asked.
PRODUCTION = AllowList(
    [
        production_wiki("enwiki", "en.wikipedia.org"),
        production_wiki("dewiki", "de.wikipedia.org"),
        production_wiki("arwiki", "ar.wikipedia.org"),
        production_wiki("wikidatawiki", "www.wikidata.org"),
        production_wiki("commonswiki", "commons.wikimedia.org"),
    ]
)


@pytest.fixture(scope="module")
def reader(farm_wikis, sandbox) -> LinkReader:
    return LinkReader(ApiClient(), farm_wikis)


@pytest.fixture(scope="module")
def servers(sandbox) -> dict[str, str]:
    return {"en": sandbox["wikis"]["enwiki"]["server"], "de": sandbox["wikis"]["dewiki"]["server"]}


def test_the_wikis_are_the_central_wikis_site_matrix(farm_wikis, sandbox):
    # The sandbox's Meta answers action=sitematrix in production's shape, metawiki a special.
    matrix = requests.get(
        sandbox["centralauth_api_url"],
        params={"action": "sitematrix", "format": "json"},
        timeout=10,
    ).json()["sitematrix"]
    assert matrix["count"] == len(sandbox["wikis"])
    assert [special["dbname"] for special in matrix["specials"]] == ["metawiki"]
    assert {site["dbname"] for site in matrix["1"]["site"]} == {"enwiki"}
    assert len(farm_wikis) == len(sandbox["wikis"])
    for dbname, wiki in sandbox["wikis"].items():
        located, _ = farm_wikis.locate(wiki["server"] + "/wiki/Main_Page")
        assert (located.dbname, located.api_url) == (dbname, wiki["api_url"])


@pytest.mark.parametrize(
    ("link", "dbname"),
    [
        ("https://de.m.wikipedia.org/wiki/Spezial:Diff/5", "dewiki"),
        ("https://en.m.wikipedia.org/w/index.php?oldid=5", "enwiki"),
        ("https://m.wikidata.org/wiki/Q42", "wikidatawiki"),
        ("https://commons.m.wikimedia.org/wiki/File:Example.jpg", "commonswiki"),
        ("de.wikipedia.org/wiki/Seite", "dewiki"),
        ("//ar.wikipedia.org/wiki/x", "arwiki"),
        ("HTTPS://EN.WIKIPEDIA.ORG./wiki/X", "enwiki"),
        ("https://en.wikipedia.org:443/wiki/X", "enwiki"),
    ],
)
def test_a_host_is_matched_to_its_wiki_mobile_hosts_too(link, dbname):
    wiki, _ = PRODUCTION.locate(link)

    assert wiki.dbname == dbname


@pytest.mark.parametrize(
    ("link", "key"),
    [
        ("https://en.wikipedia.org.evil.example/wiki/X", "chldp-evidence-imitation"),
        ("https://en.m.wikipedia.org.evil.example/wiki/X", "chldp-evidence-imitation"),
        ("https://en.wikipedia.org:8443/wiki/X", "chldp-evidence-imitation"),
        ("https://xn--wikipedi-86g.org/wiki/X", "chldp-evidence-look-alike"),
        ("https://\u0435n.wikipedia.org/wiki/X", "chldp-evidence-look-alike"),  # Cyrillic е
        ("https://en.wikipedia.org@evil.example/wiki/X", "chldp-evidence-user-in-host"),
        ("https://user:password@en.wikipedia.org/wiki/X", "chldp-evidence-user-in-host"),
        ("https://evil.example\\@en.wikipedia.org/wiki/X", "chldp-evidence-bad-characters"),
        ("https://en.wikipedia.org/wiki/X\x00", "chldp-evidence-bad-characters"),
        ("https://en.wikipedia.org\uff03@evil.example/", "chldp-evidence-unreadable-host"),
        ("http://[::1", "chldp-evidence-unreadable-host"),
        ("https://en.wikipedia.org:99999/wiki/X", "chldp-evidence-unreadable-host"),
        ("http://127.0.0.1/wiki/X", "chldp-evidence-ip-address"),
        ("http://2130706433/wiki/X", "chldp-evidence-ip-address"),
        ("http://0x7f000001/wiki/X", "chldp-evidence-ip-address"),
        ("http://0x7f.0.0.1/wiki/X", "chldp-evidence-ip-address"),
        ("http://127.1/wiki/X", "chldp-evidence-ip-address"),
        ("http://[::1]/wiki/X", "chldp-evidence-ip-address"),
        ("http://[::ffff:127.0.0.1]/wiki/X", "chldp-evidence-ip-address"),
        ("file:///etc/passwd", "chldp-evidence-scheme"),
        ("javascript:alert(1)", "chldp-evidence-scheme"),
        ("ftp://en.wikipedia.org/wiki/X", "chldp-evidence-scheme"),
        ("data:text/html,<script>alert(1)</script>", "chldp-evidence-scheme"),
        ("https://w.wiki/3Ba", "chldp-evidence-short-link"),
        ("https://example.org/wiki/X", "chldp-evidence-other-host"),
        ("https:///wiki/X", "chldp-evidence-no-host"),
        ("https://en.wikipedia.org/wiki/" + "A" * MAX_LINK_LENGTH, "chldp-evidence-too-long"),
    ],
)
def test_a_link_to_anything_but_a_wiki_is_refused_with_its_own_sentence(link, key):
    with pytest.raises(NotAllowed) as refused:
        PRODUCTION.locate(link)

    assert refused.value.key == key
    assert str(refused.value).endswith(".") and "$" not in str(refused.value)


def test_a_refusal_is_said_in_the_requesters_language():
    refusal = Refusal(3, "http://127.0.0.1/", "chldp-evidence-ip-address", ("127.0.0.1",))

    assert refusal.reason.startswith("127.0.0.1 is a number address (an IP address)")
    assert "IP-Adresse" in refusal.say("de")
    assert "عنوان IP" in refusal.say("ar")


def test_numbers_in_a_refusal_are_written_the_languages_way():
    refusal = Refusal(1, "https://…", "chldp-evidence-too-long", (12345, MAX_LINK_LENGTH))

    assert "12,345" in refusal.reason
    assert "12.345" in refusal.say("de")


def test_the_manifest_keeps_the_key_the_params_and_the_english_sentence():
    refusal = Refusal(2, "ftp://x", "chldp-evidence-scheme", ("ftp:",))

    assert refusal.record() == {
        "line": 2,
        "text": "ftp://x",
        "key": "chldp-evidence-scheme",
        "params": ["ftp:"],
        "reason": refusal.reason,
        "temporary": False,
    }


FARM_FORMS = [
    ("{en}/w/index.php?diff=200", "diff", {"revid": 200, "relation": "prev"}),
    ("{en}/w/index.php?diff=prev&oldid=200", "diff", {"revid": 200, "relation": "prev"}),
    ("{en}/w/index.php?diff=200&oldid=100", "diff", {"revid": 200, "oldid": 100}),
    ("{en}/w/index.php?title=X&diff=next&oldid=100", "diff", {"oldid": 100, "relation": "next"}),
    ("{en}/w/index.php?diff=cur&oldid=100", "diff", {"oldid": 100, "relation": "cur"}),
    # MediaWiki reads an empty diff as the page's current revision: alone, the diff of it.
    ("{en}/w/index.php?diff=&oldid=100", "diff", {"oldid": 100, "relation": "cur"}),
    (
        "{en}/w/index.php?title=User_talk:Veteran_Editor&diff=",
        "diff",
        {"title": "User talk:Veteran Editor", "relation": "prev"},
    ),
    ("{en}/w/index.php?oldid=100", "revision", {"revid": 100}),
    ("{en}/w/index.php?title=X&oldid=1&oldid=100", "revision", {"revid": 100}),
    ("{en}/wiki/Special:Diff/200", "diff", {"revid": 200, "relation": "prev"}),
    ("{en}/wiki/Special:Diff/100/200", "diff", {"revid": 200, "oldid": 100}),
    ("{en}/wiki/Special:PermanentLink/100", "revision", {"revid": 100}),
    ("{en}/wiki/Special:Permalink/100", "revision", {"revid": 100}),
    ("{en}/wiki/special:permanentlink/100", "revision", {"revid": 100}),
    ("{en}/wiki/Special:Redirect/revision/100", "revision", {"revid": 100}),
    (
        "{en}/w/index.php?title=Special:Redirect&wptype=revision&wpvalue=100",
        "revision",
        {"revid": 100},
    ),
    ("{en}/wiki/Special:Log?logid=10", "log", {"logid": 10}),
    ("{en}/w/index.php?title=Special:Log&logid=10", "log", {"logid": 10}),
    ("{en}/wiki/Special:Redirect/logid/10", "log", {"logid": 10}),
    ("{en}/wiki/User_talk:Veteran_Editor", "page", {"title": "User talk:Veteran Editor"}),
    (
        "{en}/w/index.php?title=User_talk:Veteran_Editor&action=history",
        "page",
        {"title": "User talk:Veteran Editor"},
    ),
    ("{en}/wiki/User_talk:Veteran_Editor#Notice", "page", {"title": "User talk:Veteran Editor"}),
    ("{de}/wiki/Spezial:Diff/5", "diff", {"revid": 5, "relation": "prev"}),
    ("{de}/wiki/Spezial:Differenz/4/5", "diff", {"revid": 5, "oldid": 4}),
    ("{de}/wiki/Spezial:Unterschied/5", "diff", {"revid": 5, "relation": "prev"}),
    ("{de}/wiki/Spezial:Permanenter_Link/5", "revision", {"revid": 5}),
    ("{de}/wiki/Spezial:Weiterleitung/revision/5", "revision", {"revid": 5}),
    ("{de}/wiki/Spezial:Logbuch?logid=3", "log", {"logid": 3}),
    ("{de}/wiki/Special:Diff/5", "diff", {"revid": 5, "relation": "prev"}),
    ("{de}/wiki/Spezial%3ADiff%2F5", "diff", {"revid": 5, "relation": "prev"}),
]


@pytest.mark.parametrize(("form", "kind", "fields"), FARM_FORMS)
def test_every_link_form_is_read_on_the_farm(reader, servers, form, kind, fields):
    link = reader.read(form.format(**servers))

    assert link.kind == kind
    assert {name: getattr(link, name) for name in fields} == fields
    assert link.wiki.dbname == ("dewiki" if form.startswith("{de}") else "enwiki")


def test_german_special_page_names_come_from_the_wikis_own_siteinfo(farm_wikis, sandbox, servers):
    aliases = requests.get(
        sandbox["wikis"]["dewiki"]["api_url"],
        params={"action": "query", "meta": "siteinfo", "siprop": SITEINFO, "format": "json"},
        timeout=30,
    ).json()["query"]["specialpagealiases"]
    client = ApiClient().counting()
    reader = LinkReader(client, farm_wikis)

    german = reader.read(f"{servers['de']}/wiki/Spezial:Differenz/5")
    on_enwiki = reader.read(f"{servers['en']}/wiki/Spezial:Differenz/5")

    assert "Differenz" in next(a["aliases"] for a in aliases if a["realname"] == "Diff")
    assert (german.kind, german.revid) == ("diff", 5)
    assert (on_enwiki.kind, on_enwiki.title) == ("page", "Spezial:Differenz/5")
    assert client.requests_made == 2  # one siteinfo per wiki, however many links


@pytest.mark.parametrize(
    ("link", "fields"),
    [
        ("https://de.m.wikipedia.org/wiki/Spezial:Diff/5", {"revid": 5, "relation": "prev"}),
        ("https://de.m.wikipedia.org/wiki/Spezial:MobileDiff/5", {"revid": 5, "relation": "prev"}),
        ("https://de.m.wikipedia.org/wiki/Special:MobileDiff/4...5", {"revid": 5, "oldid": 4}),
    ],
)
def test_a_mobile_link_is_read_with_the_wikis_siteinfo_without_fetching_it(sandbox, link, fields):
    info = farm_api(sandbox, "dewiki", meta="siteinfo", siprop=SITEINFO)["query"]
    # Production wikis run MobileFrontend, whose Special:MobileDiff the farm lacks.
    info["specialpagealiases"].append({"realname": "MobileDiff", "aliases": ["MobileDiff"]})
    cache = MemoryCache()
    cache.set("evidence:siteinfo:dewiki", info, ttl=60)
    client = ApiClient().counting()

    read = LinkReader(client, PRODUCTION, cache).read(link)

    assert (read.wiki.dbname, read.kind) == ("dewiki", "diff")
    assert {name: getattr(read, name) for name in fields} == fields
    assert read.wiki.api_url == "https://de.wikipedia.org/w/api.php"
    assert client.requests_made == 0


@pytest.mark.parametrize(
    ("form", "key", "params"),
    [
        ("{en}/wiki/Special:Log", "chldp-evidence-whole-log", ()),
        (
            "{en}/wiki/Special:Watchlist",
            "chldp-evidence-other-special-page",
            ("Special:Watchlist",),
        ),
        (
            "{de}/wiki/Spezial:Beobachtungsliste",
            "chldp-evidence-other-special-page",
            ("Spezial:Beobachtungsliste",),
        ),
        ("{en}/", "chldp-evidence-wiki-itself", ()),
        ("{en}/images/a.png", "chldp-evidence-not-a-page-address", ("/images/a.png",)),
        ("{en}/w/index.php?diff=prev", "chldp-evidence-relative-diff", ("diff=prev",)),
        ("{en}/w/index.php?oldid=12a", "chldp-evidence-bad-revision-number", ("12a",)),
        ("{en}/w/index.php?oldid=0", "chldp-evidence-bad-revision-number", ("0",)),
        ("{en}/w/index.php?title=X&oldid=", "chldp-evidence-no-revision-number", ()),
        ("{en}/w/index.php?diff=&oldid=", "chldp-evidence-no-revision-number", ()),
        ("{en}/w/index.php?diff=5&oldid=", "chldp-evidence-no-revision-number", ()),
        ("{en}/wiki/Special:Log?logid=", "chldp-evidence-no-log-number", ()),
        (
            "{en}/wiki/Special:Redirect?wptype=revision&wpvalue=",
            "chldp-evidence-no-revision-number",
            (),
        ),
        ("{en}/wiki/Special:PermanentLink/", "chldp-evidence-no-revision-number", ()),
        ("{en}/wiki/Special:Diff/1/2/3", "chldp-evidence-no-id", ("Special:Diff/1/2/3",)),
        ("{en}/wiki/Special:Redirect/user/1", "chldp-evidence-no-id", ("Special:Redirect/user/1",)),
        ("{en}/wiki/Special:Log?logid=x", "chldp-evidence-bad-log-number", ("x",)),
        ("{en}/wiki/Special:Redirect/logid/", "chldp-evidence-no-log-number", ()),
    ],
)
def test_a_link_to_a_wiki_but_not_to_evidence_is_refused_with_a_sentence(
    reader, servers, form, key, params
):
    with pytest.raises(BadLink) as refused:
        reader.read(form.format(**servers))

    assert (refused.value.key, refused.value.params) == (key, params)


def test_each_bad_line_gets_its_own_sentence_and_the_others_go_on(reader, servers):
    text = "\n".join(
        [
            f"{servers['en']}/w/index.php?oldid=100",
            "javascript:alert(1)",
            "",
            "   ",
            f"{servers['en']}/wiki/Special:Log",
            f"  {servers['de']}/wiki/Spezial:Diff/5  ",
            "https://example.org/",
        ]
    )

    links, refused = reader.read_lines(text)

    assert [(link.line, link.kind) for link in links] == [(1, "revision"), (6, "diff")]
    assert [(r.line, r.key) for r in refused] == [
        (2, "chldp-evidence-scheme"),
        (5, "chldp-evidence-whole-log"),
        (7, "chldp-evidence-other-host"),
    ]


def test_lines_beyond_the_bound_are_each_refused(reader, servers):
    text = "\n".join(f"{servers['en']}/w/index.php?oldid={n}" for n in range(1, MAX_LINKS + 4))

    links, refused = reader.read_lines(text)

    assert len(links) == MAX_LINKS
    assert [(r.line, r.key, r.params) for r in refused] == [
        (n, "chldp-evidence-too-many", (MAX_LINKS,)) for n in range(MAX_LINKS + 1, MAX_LINKS + 4)
    ]


def test_a_very_long_line_is_refused_and_kept_only_in_part(reader):
    line = "https://en.wikipedia.org/wiki/" + "A" * 100_000

    _, (refusal,) = reader.read_lines(line)

    assert refusal.key == "chldp-evidence-too-long"
    assert refusal.params == (len(line), MAX_LINK_LENGTH)
    assert len(refusal.text) == MAX_LINK_LENGTH


@pytest.mark.parametrize(
    ("path", "key", "params"),
    [
        ("/wiki/Foo|Bar", "chldp-evidence-title-characters", ("Foo|Bar", "|")),
        ("/wiki/Foo%7CBar", "chldp-evidence-title-characters", ("Foo|Bar", "|")),
        ("/w/index.php?title=Foo%7CBar", "chldp-evidence-title-characters", ("Foo|Bar", "|")),
        ("/wiki/A[b", "chldp-evidence-title-characters", ("A[b", "[")),
        ("/wiki/A]b", "chldp-evidence-title-characters", ("A]b", "]")),
        ("/wiki/A{b", "chldp-evidence-title-characters", ("A{b", "{")),
        ("/wiki/A}b", "chldp-evidence-title-characters", ("A}b", "}")),
        ("/wiki/A%3Cb", "chldp-evidence-title-characters", ("A<b", "<")),
        ("/wiki/A%3Eb", "chldp-evidence-title-characters", ("A>b", ">")),
        ("/wiki/A%0Ab", "chldp-evidence-title-characters", ("A?b", "U+000A")),
        ("/wiki/A%7Fb", "chldp-evidence-title-characters", ("A?b", "U+007F")),
        ("/wiki/A%253Cb", "chldp-evidence-title-characters", ("A%3Cb", "%3C")),
        ("/wiki/A%26amp;b", "chldp-evidence-title-characters", ("A&amp;b", "&amp;")),
        ("/wiki/%FF", "chldp-evidence-title-encoding", ("\ufffd",)),
        ("/wiki/A~~~", "chldp-evidence-title-tildes", ("A~~~",)),
        ("/wiki/./A", "chldp-evidence-title-relative", ("./A",)),
        ("/wiki/../A", "chldp-evidence-title-relative", ("../A",)),
        ("/wiki/A/./B", "chldp-evidence-title-relative", ("A/./B",)),
        ("/wiki/A/..", "chldp-evidence-title-relative", ("A/..",)),
        ("/wiki/" + "A" * 256, "chldp-evidence-title-too-long", ("A" * 79 + "…", 255)),
        ("/wiki/" + "é" * 128, "chldp-evidence-title-too-long", ("é" * 79 + "…", 255)),
        ("/wiki/User:", "chldp-evidence-title-empty", ("User:",)),
        ("/wiki/:", "chldp-evidence-title-empty", (":",)),
        ("/wiki/::A", "chldp-evidence-title-colon", ("::A",)),
        ("/wiki/User::A", "chldp-evidence-title-colon", ("User::A",)),
        ("/wiki/Talk:User:A", "chldp-evidence-title-talk", ("Talk:User:A",)),
        ("/wiki/%23Notice", "chldp-evidence-wiki-itself", ()),
    ],
)
def test_a_title_mediawiki_refuses_is_refused_with_its_own_sentence(
    reader, servers, path, key, params
):
    with pytest.raises(BadLink) as refused:
        reader.read(servers["en"] + path)

    assert (refused.value.key, refused.value.params) == (key, params)
    assert "$" not in refused.value.say("de") and "$" not in refused.value.say("ar")


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/wiki/Main_Page%23x%7Cy", "Main Page"),  # "#" ends the title: the "|" is not sent
        ("/wiki/:Main_Page", "Main Page"),
        ("/wiki/User_talk_:_Veteran_Editor", "User talk:Veteran Editor"),
        ("/wiki/A%E2%80%8Eb", "Ab"),  # a left-to-right mark, as MediaWiki drops it
        ("/wiki/A%E2%80%83b", "A b"),  # an em space is a space
        ("/wiki/" + "é" * 127, "é" * 127),  # 254 bytes
        ("/wiki/C++", "C++"),
        ("/wiki/AC/DC", "AC/DC"),
        ("/wiki/A_&_B;", "A & B;"),  # "& B;" is no HTML entity
        ("/wiki/Spezial:Diff/5", "Spezial:Diff/5"),  # not a namespace on enwiki
    ],
)
def test_a_title_mediawiki_takes_is_read_as_it_reads_it(reader, servers, path, title):
    link = reader.read(servers["en"] + path)

    assert (link.kind, link.title) == ("page", title)


def test_a_special_page_may_have_a_longer_title(reader, servers):
    with pytest.raises(BadLink) as refused:
        reader.read(f"{servers['en']}/wiki/Special:Log/{'A' * 400}")

    assert refused.value.key == "chldp-evidence-whole-log"
