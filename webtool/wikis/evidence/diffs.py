"""The two revisions a diff link names, as the wiki's own diff page finds them, and the diff
between them from `action=compare`."""

from __future__ import annotations

from webtool.wikis.api import ApiError
from webtool.wikis.evidence.asker import Asker, NotCaptured
from webtool.wikis.evidence.links import Link
from webtool.wikis.evidence.manifest import Diff, Revision
from webtool.wikis.evidence.wikis import shorten


def capture_diff(asker: Asker, link: Link) -> tuple[list[Revision], Diff]:
    """The revisions of a diff link, older first, and the diff; a diff the wiki does not give
    has a note saying why instead of a body."""
    older: Revision | None
    if link.relation == "prev":
        # MediaWiki compares with the revision before in the page's history (by time, then
        # id), which is not the parent once histories are merged or imported.
        if link.revid is None:  # the page's current revision
            newer = asker.revisions(titles=link.title)[-1]
        else:
            newer = asker.revisions(revids=link.revid)[0]
        before = {"rvstartid": newer.revid, "rvdir": "older", "rvlimit": 2}
        history = asker.revisions(pageids=newer.pageid, **before)
        older = history[1] if len(history) == 2 else None
    elif link.relation is None:
        found: dict[int | None, Revision] = {
            r.revid: r for r in asker.revisions(revids=[link.oldid, link.revid])
        }
        older, newer = found[link.oldid], found[link.revid]
    else:
        older = asker.revisions(revids=link.oldid)[0]
        after = {"rvstartid": older.revid, "rvdir": "newer", "rvlimit": 2}
        select = after if link.relation == "next" else {}
        newer = asker.revisions(pageids=older.pageid, **select)[-1]
        if newer.revid == older.revid and link.relation == "next":
            raise NotCaptured(
                "chldp-evidence-no-next-revision", str(older.revid), shorten(older.title)
            )
    revisions = [r for r in (older, newer) if r is not None]
    from_revid = older.revid if older else None
    hidden = [r.revid for r in revisions if "content" in r.hidden]
    if hidden:
        note = f"The wiki does not show this diff: the content of revision {hidden[0]} is hidden."
        return revisions, Diff(from_revid, newer.revid, None, note)
    sides: dict[str, object]
    if older:
        sides = {"fromrev": older.revid, "torev": newer.revid}
    else:  # a page's first revision, compared with nothing, as the wiki shows it
        sides = {"fromrev": newer.revid, "torelative": "prev"}
    try:
        answer = asker.ask(action="compare", prop="diff|ids|title", **sides)
    except ApiError as error:
        note = f"The wiki did not give the diff: {error.text}"
        return revisions, Diff(from_revid, newer.revid, None, note)
    return revisions, Diff(from_revid, newer.revid, answer["compare"]["body"], None)
