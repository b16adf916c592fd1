"""The worker's sweep: nothing is lost when Redis forgets.

Toolforge's Redis is shared by every tool and evicts keys when it is full; a flush or an
eviction can take a queued message with it. The database says what should be running, so
every SWEEP_EVERY one thread of each worker looks there and puts back what waits with nobody
working on it: losing Redis delays work, and loses none.

- A capture under way that nobody has marked alive (its worker died, or its message is gone)
  is queued again (services/captures.py).
- An engagement report waiting or retrying that nothing touched for TASKS_TAKEN_UP_AFTER,
  longer than the longest wait between tries, is queued again (services/engagement_view.py).
- The outbox is sent from the sweep itself, every TASKS_TAKEN_UP_AFTER while e-mails wait
  (services/notifications.py).
- An evidence bundle whose time stamp is pending (the authority did not answer) is sent to the
  authority again when its next try is due, and an archive file whose bundle is gone is
  removed (services/archives.py).
- The team key's grant of anyone taken off the staff list is deleted (services/team_keys.py),
  even when nobody opens the console.
- The nightly purge is run from the sweep itself, once a day after 03:17 UTC, unless the
  audit log says it ran (services/retention.py); one worker at a time.
- The daily digest of cases near or past their time goes to the legal team after 06:00 UTC,
  unless the audit log says it went (services/notifications.py); one worker at a time.

What the sweep runs itself never touches Redis. What it queues is claimed by a single UPDATE
when it runs, so a message that was not lost after all does the work once.
"""

from __future__ import annotations

import smtplib
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask, current_app

from webtool.infra import db, tasks
from webtool.infra.clock import now
from webtool.services import (
    archives,
    captures,
    engagement_view,
    notifications,
    retention,
    team_keys,
)
from webtool.services.staff_access import staff_roles
from webtool.services.wiring import Tool, services

PURGE_LEASE = timedelta(hours=1)  # a worker killed mid-purge frees it after this


def register(app: Tool) -> None:
    """The sweep, started once in each worker process when its consumer starts."""
    started = threading.Lock()  # held for good by the first thread that starts the sweep

    @app.services.queue.on_startup("sweep")
    def start_sweeping() -> None:
        # Huey calls startup hooks in each of the worker's threads: one sweep is enough.
        if not started.acquire(blocking=False):
            return
        threading.Thread(target=_sweep_forever, args=(app,), daemon=True).start()


def _sweep_forever(app: Flask) -> None:
    every = app.config["SWEEP_EVERY"].total_seconds()
    # A relay that is away is not asked at every round: the send-mail task tries it too.
    mail_every = app.config["TASKS_TAKEN_UP_AFTER"].total_seconds()
    mailed_at = float("-inf")
    while True:
        mail = time.monotonic() - mailed_at >= mail_every
        if mail:
            mailed_at = time.monotonic()
        sweep(app, mail)
        threading.Event().wait(every)


def sweep(app: Flask, mail: bool = True) -> None:
    """One round; each step on its own, so a database or a server away stops only its own."""
    steps = [
        ("captures", _captures),
        ("time stamps", archives.stamp_pending),
        ("archive files", archives.remove_orphans),
        ("reports", _reports),
        ("grants", _grants),
        ("purge", _purge),
        ("digest", _digest),
    ]
    if mail:
        steps.append(("mail", _mail))
    for name, step in steps:
        with app.app_context():
            try:
                step()
            except Exception as error:  # the next round tries again; the worker goes on
                db.session().rollback()
                app.logger.warning("sweep: %s could not be looked after: %r", name, error)


def _captures() -> None:
    capture = services().tasks.capture
    for bundle_id in captures.stopped_captures():
        tasks.enqueued(capture, bundle_id)


def _reports() -> None:
    gather = services().tasks.gather_engagement
    for report_id in engagement_view.stalled_reports():
        tasks.enqueued(gather, report_id)


def _grants() -> None:
    team_keys.drop_removed(staff_roles())


def _mail() -> None:
    try:
        notifications.send_waiting()
    except (OSError, smtplib.SMTPException) as failed:
        # The rows stay in the outbox; the next minute tries again.
        raise RuntimeError(f"the SMTP server did not take the outbox: {failed}") from None


def _purge() -> None:
    def purge() -> None:
        for sentence in retention.purge().sentences():
            current_app.logger.info("purge: %s", sentence)

    _once_a_day(retention.purge_due, purge)


def _digest() -> None:
    _once_a_day(notifications.digest_due, notifications.send_digest)


def _once_a_day(due: Callable[[datetime], bool], work: Callable[[], object]) -> None:
    """`work` when `due` says so, by one worker at a time (the daily jobs share a gate)."""
    if not due(now()):
        return
    daily = services().purges
    slot = daily.take(wait=False)
    if slot is None:
        return  # another worker is at it
    try:
        if due(now()):  # another worker may have finished it meanwhile
            work()
    finally:
        daily.give_back(slot)
