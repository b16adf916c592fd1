"""Evidence captures within bounds: what a capture holds in memory, one link too large to
keep, and a bundle that stops growing at the link that would take it past its bound."""

from __future__ import annotations

import random
import string
import tracemalloc

import pytest
from support.helpers import farm_api, sent_by

from sandbox.seed import operator_session
from webtool.wikis.api import ApiClient, Limits
from webtool.wikis.evidence.capture import Bounds, NotCaptured, capture, capture_links
from webtool.wikis.evidence.links import LinkReader
from webtool.wikis.evidence.spool import RESERVE, MiB
from webtool.wikis.evidence.wacz import verify_wacz, write_wacz

LARGE_PAGE = "User:Farm Operator/Evidence limits/Large page"
LARGE_BYTES = 2 * MiB - 8 * 1024  # just under MediaWiki's largest page ($wgMaxArticleSize)


def large_text(seed: int, size: int = LARGE_BYTES) -> str:
    """`size` bytes of made-up prose, about as compressible as an article, other for each seed."""
    chance = random.Random(seed)
    words = [
        "".join(chance.choices(string.ascii_lowercase, k=chance.randint(2, 10)))
        for _ in range(5000)
    ]
    paragraphs, length = [], 0
    while length < size:
        paragraph = " ".join(chance.choices(words, k=80)) + ".\n\n"
        paragraphs.append(paragraph)
        length += len(paragraph)
    return "".join(paragraphs)[:size]


def make_large_page(state: dict, title: str, seed: int) -> int:
    """The latest revision of `title` on enwiki, a page of LARGE_BYTES made as the farm's
    operator the first time (the seeded accounts keep their edit counts); later runs find it."""
    api_url = state["wikis"]["enwiki"]["api_url"]
    page = farm_api(state, "enwiki", titles=title, prop="info")["query"]["pages"][0]
    if not page.get("missing"):
        return page["lastrevid"]
    operator = state["operator"]
    session = operator_session(api_url, operator["name"], operator["password"])
    saved = session.post(
        "edit",
        title=title,
        text=large_text(seed),
        summary="A large page for the evidence capture's bounds",
        token=session.token("csrf"),
    )
    return saved["edit"]["newrevid"]


@pytest.fixture(scope="module")
def large(sandbox) -> dict:
    """A revision of about 2 MiB on enwiki, and the farm's addresses."""
    return {
        "en": sandbox["wikis"]["enwiki"]["server"],
        "revid": make_large_page(sandbox, LARGE_PAGE, 1),
    }


@pytest.fixture(scope="module")
def small(sandbox, harassment) -> str:
    return f"{sandbox['wikis']['enwiki']['server']}/w/index.php?oldid={harassment[2]}"


def test_a_capture_holds_in_memory_only_the_links_in_hand(farm_wikis, large, tmp_path):
    text = "\n".join([f"{large['en']}/w/index.php?oldid={large['revid']}"] * 20)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with capture_links(ApiClient(), farm_wikis, text) as result:
            write_wacz(result, tmp_path / "evidence.wacz", "memory")
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()

    assert [item.line for item in result.items] == list(range(1, 21))
    assert verify_wacz(tmp_path / "evidence.wacz").intact
    # Twenty revisions of 2 MiB, each held as the wiki's bytes, as text and as its page,
    # take more than 120 MiB.
    assert peak < 48 * MiB, f"{peak / MiB:.0f} MiB"


def test_a_link_larger_than_one_link_may_keep_is_refused_alone(farm_wikis, large, small):
    lines = [small, f"{large['en']}/wiki/Special:Diff/{large['revid']}", small]

    result = capture_links(ApiClient(), farm_wikis, "\n".join(lines), bounds=Bounds(item_bytes=MiB))

    assert [item.line for item in result.items] == [1, 3]
    assert [(r.line, r.key, r.params) for r in result.refused] == [
        (2, "chldp-evidence-item-too-large", (1,))
    ]
    assert "larger than 1 MiB" in result.refused[0].reason


def test_a_link_too_large_stops_at_the_answer_that_passes_the_bound(farm_wikis, large):
    client = ApiClient()
    link = LinkReader(client, farm_wikis).read(f"{large['en']}/wiki/Special:Diff/{large['revid']}")
    sent = sent_by(client)

    with pytest.raises(NotCaptured) as refused:
        capture(client, link, item_bytes=MiB)

    assert refused.value.key == "chldp-evidence-item-too-large"
    assert len(sent) == 1  # the revision; its neighbour and the diff were not asked for


def item_sizes(farm_wikis, link: str) -> tuple[int, int]:
    """What the link takes in a bundle first (with its page's style sheets) and after."""
    with capture_links(ApiClient(), farm_wikis, f"{link}\n{link}") as result:
        first, other = (kept.size for kept in result.items)
        return first, other


def test_a_bundle_stops_at_the_link_that_would_take_it_past_its_bound(farm_wikis, small, tmp_path):
    first, other = item_sizes(farm_wikis, small)
    bound = RESERVE + first + other + other // 2
    client = ApiClient(limits=Limits(parallel=1))
    sent = sent_by(client)
    path = tmp_path / "bundle.wacz"

    with capture_links(
        client, farm_wikis, "\n".join([small] * 8), bounds=Bounds(bundle_bytes=bound)
    ) as result:
        write_wacz(result, path, "bound")

    assert [item.line for item in result.items] == [1, 2]
    assert [(r.line, r.key, r.params) for r in result.refused] == [
        (3, "chldp-evidence-bundle-full", (1,)),
        *[(line, "chldp-evidence-after-full", ("3", small)) for line in range(4, 9)],
    ]
    assert "at line 3 (" in result.refused[1].reason
    assert path.stat().st_size <= bound
    verification = verify_wacz(path)
    assert verification.intact and verification.items == 2
    asked = [url for url in sent if "/api.php?" in url]
    assert len(asked) < 1 + 8, "the links after the full bundle were asked for"


def test_an_item_larger_than_a_whole_bundle_is_refused_and_the_others_go_on(
    farm_wikis, large, small
):
    bound = RESERVE + 4 * item_sizes(farm_wikis, small)[0]
    lines = [f"{large['en']}/w/index.php?oldid={large['revid']}", small, small]

    result = capture_links(
        ApiClient(), farm_wikis, "\n".join(lines), bounds=Bounds(bundle_bytes=bound)
    )

    assert [item.line for item in result.items] == [2, 3]
    assert [(r.line, r.key) for r in result.refused] == [(1, "chldp-evidence-item-too-large")]


def test_the_spool_is_removed_when_the_capture_is_closed(farm_wikis, small):
    with capture_links(ApiClient(), farm_wikis, small) as result:
        folder = result.spool.folder
        assert (folder / f"line-1/{result.items[0].names[0]}").exists()

    assert not folder.exists()
