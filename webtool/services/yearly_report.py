"""The report the program can publish: per year, requests by status, by kind of harm and by
world region (UN M49, from CLDR's territory containment: program/regions.py), money committed
and paid by category, and the median days to acknowledge and to decide, every figure
protected so that none points to a person (program/disclosure.py).

The figures are computed in an unlocked staff session (kinds and countries are sealed to each
case) and hold only what may be published. Publishing a year freezes them: a later purge of
the cases they count changes nothing published.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import extract, select

from program.assistance import load_categories
from program.case_flow import STATUSES
from program.disclosure import Cell, median_days, protect_counts, protect_money
from program.regions import REGIONS, region_of
from webtool.infra import db
from webtool.infra.clock import now
from webtool.infra.models import HelpRequest, LedgerEntry, YearlyReport
from webtool.services.casework import audit
from webtool.services.help_requests import KINDS, opened

DAY = 86400


def published(year: int) -> dict[str, Any] | None:
    """The year's figures as they were published, or None while it is not."""
    found = db.session().get(YearlyReport, year)
    return json.loads(found.figures) if found else None


def figures(year: int) -> dict[str, Any]:
    """The year's figures, protected: {"year", "requests", "status", "kind", "region",
    "money": {"commitment", "payment"}, "days": {"acknowledge", "decide"}}; each figure
    {"value"} or {"value": None, "note": message key}."""
    cases = [
        opened(found)
        for found in db.session().scalars(
            select(HelpRequest).where(extract("year", HelpRequest.created_at) == year)
        )
    ]
    by_status = Counter({status: 0 for status in STATUSES})
    by_status.update(case.row.status for case in cases)
    by_kind = Counter({kind: 0 for kind in KINDS})
    by_kind.update(kind for case in cases for kind in case.kinds)
    by_region = Counter({region: 0 for region in REGIONS})
    by_region.update(region_of(case.country) for case in cases)
    status = protect_counts(by_status)
    return {
        "year": year,
        "requests": _cell(status.total),
        "status": _table(status.cells),
        # A request may name several kinds: the rows add up to no published figure.
        "kind": _table(protect_counts(by_kind, total_published=False).cells),
        "region": _table(protect_counts(by_region).cells),
        "money": {kind: _money(year, kind) for kind in ("commitment", "payment")},
        "days": {
            "acknowledge": _cell(median_days(_days(cases, "acknowledged_at"))),
            "decide": _cell(median_days(_days(cases, "decided_at"))),
        },
    }


def publish(year: int, actor: str) -> None:
    """The year's figures frozen as they are now, once; audited."""
    if published(year) is None:
        db.session().add(
            YearlyReport(
                year=year,
                published_at=now(),
                published_by=actor,
                figures=json.dumps(figures(year)),
            )
        )
    audit(actor, "publish-report", str(year))
    db.session().commit()


def rows(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The report as (section, row, figure) lines, in the page's order: for the CSV."""
    lines: list[tuple[str, str, Any]] = [("requests", "total", report["requests"])]
    for section in ("status", "kind", "region"):
        lines += [(section, key, cell) for key, cell in report[section].items()]
    for kind, table in report["money"].items():
        lines += [(f"money-{kind}", key, cell) for key, cell in table.items()]
    lines += [("days", key, cell) for key, cell in report["days"].items()]
    return lines


def _money(year: int, kind: str) -> dict[str, Any]:
    """The year's ledger entries of `kind`, by category, protected; "total" adds up to the
    ledger's, withheld categories included."""
    spent: dict[str, dict[object, int]] = defaultdict(dict)
    entries = db.session().scalars(
        select(LedgerEntry).where(LedgerEntry.kind == kind, extract("year", LedgerEntry.at) == year)
    )
    for entry in entries:
        # An entry whose request was purged still counts, as a case of its own.
        case = entry.request_id if entry.request_id is not None else f"entry-{entry.id}"
        spent[entry.category][case] = spent[entry.category].get(case, 0) + entry.amount_cents
    # In the order the program's rules list them (any other, entered before a rule changed,
    # after), so that the tie between two categories is broken the same way every time.
    place = {category: n for n, category in enumerate(load_categories().payable)}
    ordered = sorted(spent, key=lambda category: (place.get(category, len(place)), category))
    table = protect_money({category: spent[category] for category in ordered})
    return {
        **{category: _cell(cell) for category, cell in table.categories.items()},
        "other": _cell(table.other),
        "total": _cell(table.total),
    }


def _days(cases: list, column: str) -> list[float]:
    return [
        (getattr(case.row, column) - case.row.created_at).total_seconds() / DAY
        for case in cases
        if getattr(case.row, column) is not None
    ]


def _table(cells: dict[str, Cell]) -> dict[str, Any]:
    return {key: _cell(cell) for key, cell in cells.items()}


def _cell(cell: Cell | None) -> dict[str, Any]:
    return asdict(cell) if cell is not None else {"value": None, "note": ""}


def years() -> list[int]:
    """The years with requests or published figures, newest first, this year among them."""
    found = {row.year for row in db.session().scalars(select(YearlyReport))}
    found |= {created.year for created in db.session().scalars(select(HelpRequest.created_at))}
    found.add(now().year)
    return sorted(found, reverse=True)


def published_at(year: int) -> datetime | None:
    found = db.session().get(YearlyReport, year)
    return found.published_at if found else None
