"""Limits that hold for the whole deployment: at most N holders of a kind of slot at once,
across every worker process and web replica, kept in the tool's database.

A slot is a row with a holder and a lease. Taking one is a single UPDATE that succeeds only
on a free or expired row, which SQLite and MariaDB both do atomically, so two processes never
hold the same slot. A process killed while holding a slot stops renewing its lease, and the
slot is free again when the lease runs out.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from webtool.infra.clock import now
from webtool.infra.models import Slot


class Gate:
    """At most `size` holders of the slots named `name` at once; a context manager, like a
    semaphore, so `ApiClient` can use one in place of its own."""

    def __init__(self, engine: Engine, name: str, size: int, lease: timedelta, poll: float = 0.05):
        self.engine, self.name, self.size, self.lease, self.poll = engine, name, size, lease, poll
        self.local = threading.local()
        # Made on first use: the app that runs the migrations builds its gates before the table
        # exists.
        self.rows_made = False

    def __enter__(self) -> Gate:
        held = getattr(self.local, "held", None) or []
        held.append(self.take())
        self.local.held = held
        return self

    def __exit__(self, *exc: object) -> None:
        self.give_back(self.local.held.pop())

    def take(self, wait: bool = True) -> tuple[int, str] | None:
        """A free slot, as (number, holder); waits for one unless `wait` is False."""
        if not self.rows_made:
            self._make_rows()
            self.rows_made = True
        holder = secrets.token_hex(16)
        while True:
            for number in range(self.size):
                if self._claim(number, holder):
                    return number, holder
            if not wait:
                return None
            time.sleep(self.poll)

    def renew(self, slot: tuple[int, str]) -> None:
        number, holder = slot
        with self.engine.begin() as connection:
            connection.execute(
                update(Slot)
                .where(Slot.name == self.name, Slot.number == number, Slot.holder == holder)
                .values(until=now() + self.lease)
            )

    def give_back(self, slot: tuple[int, str]) -> None:
        number, holder = slot
        with self.engine.begin() as connection:
            connection.execute(
                update(Slot)
                .where(Slot.name == self.name, Slot.number == number, Slot.holder == holder)
                .values(holder=None, until=None)
            )

    def _claim(self, number: int, holder: str) -> bool:
        moment = now()
        with self.engine.begin() as connection:
            taken = connection.execute(
                update(Slot)
                .where(
                    Slot.name == self.name,
                    Slot.number == number,
                    or_(Slot.holder.is_(None), and_(Slot.until.is_not(None), Slot.until < moment)),
                )
                .values(holder=holder, until=moment + self.lease)
            )
        return taken.rowcount == 1

    def _make_rows(self) -> None:
        with self.engine.begin() as connection:
            have = set(connection.scalars(select(Slot.number).where(Slot.name == self.name)))
        for number in set(range(self.size)) - have:
            try:
                with self.engine.begin() as connection:
                    connection.execute(insert(Slot).values(name=self.name, number=number))
            except IntegrityError:
                pass  # another process made it at the same moment
