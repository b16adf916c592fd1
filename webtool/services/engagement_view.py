"""The engagement report as the web pages use it: asked for, gathered on the task queue,
kept sealed in the database, drawn as a chart.

A report asked for is a row of EngagementReport: its subject is found by a keyed hash of the
name, and the name, the report and any failure are sealed. The queue's message carries the
row's id only. A page shows the newest report gathered within CHLDP_CACHE_TTL, else asks for
one and shows how far it is (waiting, gathering, retrying, then done or failed); asking again
while one is under way reuses it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from flask import current_app, g, session
from huey.api import Task
from sqlalchemy import CursorResult, bindparam, select, update
from sqlalchemy.orm import defer

from webtool.infra import db, tasks
from webtool.infra.clock import now
from webtool.infra.keyed import blind_index
from webtool.infra.models import EngagementReport
from webtool.services.wiring import services
from webtool.wikis.api import ApiError, Unavailable
from webtool.wikis.engagement import UserNotFound

UNDER_WAY = ("waiting", "gathering", "retrying")
WAITING = ("waiting", "retrying")  # for a worker to take it up
NO_ACCOUNT = "chldp-engagement-no-account"
QUEUED_LATER = "chldp-engagement-queued-later"
QUEUED_LATER_ENGLISH = "The task queue did not answer; the report will be gathered shortly."
# A row under way that nothing has touched for this long lost its worker (killed, redeployed),
# so it no longer holds back a new one. Well past the waits between retries (20, 40, 80 s).
STALE_AFTER = timedelta(minutes=10)
# The request form freezes a report at most this old; the purge deletes older rows.
KEPT_FOR = timedelta(days=1)
# How long a process trusts the newest finished report it found for an account.
REMEMBERED_FOR = 5.0
REMEMBERED_MOST = 10_000
# How long a process keeps a report page it rendered, and how many.
PAGE_KEPT_FOR = 60.0
PAGE_KEPT_MOST = 512


def wanted(name: str, again: bool = False) -> EngagementReport:
    """The row that answers for `name`: its newest report gathered within CHLDP_CACHE_TTL,
    else the one under way, else one that failed within that time (shown, not asked again at
    every visit), else a new one, queued. `again` passes over what is finished."""
    return current(name, again) or ask(name)


def current(name: str, again: bool = False) -> EngagementReport | None:
    """What `wanted` would answer without asking for anything (the progress pages poll it);
    None when it would queue a new gathering, which is what the rate limit counts."""
    return (None if again else _fresh_done(name)) or standing(name, again)


def standing(name: str, again: bool = False) -> EngagementReport | None:
    """The report of `name` under way, else (unless `again`) one that failed within the TTL."""
    under_way = _newest(name, UNDER_WAY, STALE_AFTER)
    if under_way or again:
        return under_way
    return _newest(name, ("failed",), _shown_for())


def report_of(row: EngagementReport) -> dict:
    return json.loads(services().sealer.open(row.report_sealed or ""))


def reason_of(row: EngagementReport) -> dict:
    """Why the row is retrying or failed, as a message parameter (webtool/infra/i18n.py): a message
    key with its parameters where the tool has its own words for it, and in every case the
    English sentence, which is all a wiki's own error has. Empty when nothing went wrong."""
    stored = services().sealer.open(row.detail_sealed)
    if stored.startswith("{"):
        return dict(json.loads(stored))
    return {"message": "", "params": [], "default": stored}  # the wiki's own words


def page(row: EngagementReport, lang: str, render: Callable[[dict], str]) -> str:
    """The page of a finished report in `lang`, rendered by `render(report)` unless this
    process rendered it within PAGE_KEPT_FOR. Kept by the report's row, the language and the
    session's CSRF secret (the page's logout form carries the session's own token): a row
    never changes once done, and a newer report is a new row. Nothing here leaves the
    process; a restart forgets it."""
    pages = services().report_pages
    kept = pages.get((row.id, lang, session.get("csrf_token")))
    if kept is not None:
        return str(kept)
    html = render(report_of(row))
    pages.put((row.id, lang, session.get("csrf_token")), html)  # the render may make the secret
    return html


def progress_of(row: EngagementReport) -> dict:
    """{"status", "detail", "reason"}: how far the row is, and why it is retrying or failed
    (in English, and as a message parameter for the page's language)."""
    reason = reason_of(row)
    return {"status": row.status, "detail": reason["default"], "reason": reason}


def snapshot(name: str) -> dict:
    """The report to freeze with a request: the newest gathered within a day, else a note
    that there is none. It never asks the wikis: the request is sent at once."""
    row = _newest(name, ("done",), KEPT_FOR)
    return report_of(row) if row else {"unavailable": True}


def chart(report: dict) -> list[dict]:
    """Edits per wiki with edits, largest first, with each bar's share of the largest."""
    wikis = [w for w in report["wikis"] if w["edits"]]
    largest = max((w["edits"] for w in wikis), default=1)
    return [
        {"wiki": w["wiki"], "edits": w["edits"], "share": round(100 * w["edits"] / largest, 1)}
        for w in wikis
    ]


def gather(report_id: int, *, task: Task) -> None:
    """The queue's task: gather the report of the row `report_id` and keep it, sealed. A wiki
    that fails in a way that may pass is tried again later, while `task` has retries left."""
    if not _claimed(report_id):
        return  # purged, finished, or gathered by another copy of this message (the sweep's)
    row = db.session().get(EngagementReport, report_id)
    if row is None:
        return
    name = services().sealer.open(row.subject_sealed)
    try:
        report = services().collector.report(name).to_dict()
    except UserNotFound:
        _set(row, "failed", _said(NO_ACCOUNT, name, f"There is no global account named {name}."))
    except ApiError as error:
        # The wiki refused the question itself: asking again would get the same answer.
        _set(row, "failed", f"The wikis could not be asked: {error}")
    except Unavailable as error:
        # The log says what failed, never whose report it was.
        current_app.logger.warning("an engagement report was not gathered: %s", error)
        if not task.retries:
            _set(row, "failed", str(error))
            return
        _set(row, "retrying", str(error))
        tasks.try_again_later(task)
    else:
        _set(row, "done", report=report)


def ask(name: str) -> EngagementReport:
    """A new row for `name`, queued. Two pages asking at the same moment may each make one;
    both are gathered, and the newest is shown."""
    sealer = services().sealer
    moment = now()
    row = EngagementReport(
        subject_key=subject_key(name),
        subject_sealed=sealer.seal(name),
        status="waiting",
        detail_sealed=sealer.seal(""),
        asked_at=moment,
        updated_at=moment,
    )
    session = db.session()
    session.add(row)
    session.commit()
    _forget_asked(row.subject_key)
    if not tasks.enqueued(services().tasks.gather_engagement, row.id):
        # The row is kept: the sweep queues it, and the page says so meanwhile.
        row.detail_sealed = sealer.seal(_said(QUEUED_LATER, "", QUEUED_LATER_ENGLISH))
        session.commit()
    # A worker, or TASKS_IMMEDIATE in tests, may have gathered it already.
    session.refresh(row)
    return row


def _claimed(report_id: int) -> bool:
    """Mark the row as being gathered, in one UPDATE, when it waits for it: a message queued
    twice (by a page and by the sweep) gathers once."""
    session = db.session()
    claim = (
        update(EngagementReport)
        .where(EngagementReport.id == report_id, EngagementReport.status.in_(WAITING))
        .values(status="gathering", updated_at=now())
    )
    claimed = cast("CursorResult[Any]", session.execute(claim)).rowcount == 1
    session.commit()
    return claimed


def stalled_reports() -> list[int]:
    """Reports waiting or retrying that nothing has touched for TASKS_TAKEN_UP_AFTER, longer
    than the longest wait between tries: their message was lost with Redis. Each is marked
    touched now, so a sweep soon after does not queue it twice."""
    session = db.session()
    since = now() - current_app.config["TASKS_TAKEN_UP_AFTER"]
    found = list(
        session.scalars(
            select(EngagementReport.id).where(
                EngagementReport.status.in_(WAITING), EngagementReport.updated_at < since
            )
        )
    )
    if found:
        session.execute(
            update(EngagementReport).where(EngagementReport.id.in_(found)).values(updated_at=now())
        )
        session.commit()
    return found


def _said(key: str, param: str, english: str) -> str:
    """A reason in the tool's own words, stored so that each reader gets their language."""
    return json.dumps({"message": key, "params": [param], "default": english}, ensure_ascii=False)


def _set(row: EngagementReport, status: str, detail: str = "", report: dict | None = None) -> None:
    sealer = services().sealer
    row.status = status
    row.updated_at = now()
    row.detail_sealed = sealer.seal(detail)
    if report is not None:
        row.report_sealed = sealer.seal(json.dumps(report, ensure_ascii=False))
    db.session().commit()
    _forget_asked(row.subject_key)


def _fresh_done(name: str) -> EngagementReport | None:
    """The newest report of `name` gathered within the TTL. A row found is remembered by this
    process for a few seconds (sealed, as in the database), so that a page read again and
    again asks the database once; a report gathered by another process shows after that."""
    key = subject_key(name)
    remembered = services().recent_reports
    kept = remembered.get(key)
    if kept is not None:
        return cast(EngagementReport, kept[1])  # (seconds kept, row), as put below
    row = _newest(name, ("done",), _shown_for())
    if row is not None:
        left = (row.updated_at + _shown_for() - now()).total_seconds()
        remembered.put(key, (min(REMEMBERED_FOR, left), _copy(row)))
    return row


def _copy(row: EngagementReport) -> EngagementReport:
    """A finished row apart from any database session, for other requests to read."""
    return EngagementReport(
        id=row.id,
        subject_key=row.subject_key,
        status=row.status,
        detail_sealed=row.detail_sealed,
        report_sealed=row.report_sealed,
        updated_at=row.updated_at,
    )


def _shown_for() -> timedelta:
    """How long a finished report answers before a page asks anew (CHLDP_CACHE_TTL)."""
    return timedelta(seconds=current_app.config["API"].cache_ttl)


def _newest(name: str, statuses: tuple[str, ...], within: timedelta) -> EngagementReport | None:
    """The newest row of `name` in one of `statuses`, touched within `within`. Asked once per
    request: the rate limit's check and the page ask the same."""
    asked = g.setdefault("chldp_newest_reports", {})
    key = (name, statuses, within)
    if key not in asked:
        asked[key] = _newest_row(name, statuses, within)
    return asked[key]


def _forget_asked(key: str) -> None:
    """A row of the account with this keyed hash was added or changed: what this request and
    this process read of it before is out of date."""
    g.pop("chldp_newest_reports", None)
    services().recent_reports.pop(key)


def _newest_row(name: str, statuses: tuple[str, ...], within: timedelta) -> EngagementReport | None:
    found = {"key": subject_key(name), "statuses": list(statuses), "since": now() - within}
    return db.session().scalar(NEWEST, found)


# Built once: every visit to a report page asks it. The sealed report is read only when a
# page is rendered, not at every visit.
NEWEST = (
    select(EngagementReport)
    .options(defer(EngagementReport.report_sealed))
    .where(
        EngagementReport.subject_key == bindparam("key"),
        EngagementReport.status.in_(bindparam("statuses", expanding=True)),
        EngagementReport.updated_at >= bindparam("since"),
    )
    .order_by(EngagementReport.id.desc())
    .limit(1)
)


def subject_key(name: str) -> str:
    """The keyed hash that finds an account's reports."""
    return blind_index("report", name)
