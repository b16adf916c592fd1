"""The web tool's captures at their limits: a link the wikis would refuse, and bundles too
large to keep, end in a sentence for that link while the others are kept."""

from __future__ import annotations

from test_evidence_web import REQUESTER, captured
from test_webtool_requests import log_in_as


def test_a_title_mediawiki_refuses_fails_only_its_own_line(client, sandbox, harassment):
    log_in_as(client, REQUESTER["name"], REQUESTER["id"])
    en = sandbox["wikis"]["enwiki"]["server"]
    text = "\n".join(
        [
            f"{en}/w/index.php?oldid={harassment[0]}",
            f"{en}/wiki/Talk:Meatball:X",
            f"{en}/wiki/A%7CB",
        ]
    )

    _, page = captured(client, text)

    assert "One item captured on" in page
    assert "Something went wrong during the capture" not in page
    assert "“Talk:Meatball:X” cannot be the name of a page: The requested page title" in page
    assert "“A|B” cannot be the name of a page: it contains “|”" in page
