"""The web tool's captures at their limits: a link the wikis would refuse, and bundles too
large to keep, end in a sentence for that link while the others are kept."""

from __future__ import annotations

import io
import zipfile

from support.helpers import REQUESTER, captured, verified
from support.logins import log_in

from webtool.wikis.api import ApiClient
from webtool.wikis.evidence.capture import capture_links
from webtool.wikis.evidence.spool import RESERVE


def test_a_title_mediawiki_refuses_fails_only_its_own_line(client, sandbox, harassment):
    log_in(client, REQUESTER)
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


def test_a_bundle_too_large_to_keep_stops_at_its_bound_and_keeps_the_first_links(
    app, client, farm_wikis, sandbox, harassment, tmp_path
):
    link = f"{sandbox['wikis']['enwiki']['server']}/w/index.php?oldid={harassment[0]}"
    # The first item keeps the page's style sheets too; the others find them kept already.
    with capture_links(ApiClient(), farm_wikis, f"{link}\n{link}") as two:
        first, other = (kept.size for kept in two.items)
    bound = RESERVE + first + other + other // 2
    app.config["EVIDENCE_BUNDLE_BYTES"] = bound
    log_in(client, REQUESTER)

    reference, page = captured(client, "\n".join([link] * 5))

    assert "2 items captured on" in page
    assert "The bundle reached its size limit" in page
    assert "Not saved: the bundle reached its size limit at line 3" in page
    download = client.get(f"/evidence/{reference}/bundle.zip")
    with zipfile.ZipFile(io.BytesIO(download.data)) as wrapper:
        assert wrapper.getinfo(f"{reference}.wacz").file_size <= bound
    verification = verified(download.data, tmp_path)
    assert verification.intact and verification.items == 2
