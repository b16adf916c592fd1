"""The report the program can publish: for a year with 3 requests from one region the CSV says
"fewer than 5" there, no withheld figure can be worked out from the others, the money adds up
to the ledger's, and a published year stays as it was after its cases are purged. Runs on
SQLite and on MariaDB."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select
from support.helpers import ADMIN, STAFF, post
from support.logins import log_in

from webtool.infra import db
from webtool.infra.models import HelpRequest, LedgerEntry
from webtool.services.casework import add_ledger_entry, change_status
from webtool.services.help_requests import Submission, store
from webtool.services.retention import delete_request

YEAR = 2026
FEWER = "fewer than 5"


@pytest.fixture(autouse=True)
def staff(monkeypatch):
    monkeypatch.setenv("CHLDP_STAFF", STAFF)


def requests_of_the_year(app) -> list[str]:
    """Ten requests of YEAR: 3 from Brazil (the Americas), 7 from Germany (Europe); six get
    money for legal fees, two for court costs, and a payment."""
    made = []
    with time_machine.travel(datetime(YEAR, 5, 1, 12, 0), tick=False), app.app_context():
        for number, country in enumerate(["BR"] * 3 + ["DE"] * 7):
            submission = Submission.blank("en")
            submission.kinds = ["doxxing"] if number % 2 else ["harassment", "doxxing"]
            submission.country = country
            submission.description = f"Request {number}."
            submission.submission_key = f"{number:032x}"
            case = store(submission, {"name": f"Editor {number}", "id": 100 + number}, {})
            made.append(case.reference)
            if number < 8:
                change_status(case, ADMIN["name"], "admin", "in_review", "")
                change_status(case, ADMIN["name"], "admin", "approved", "Severe", "funding")
                category = "legal_fees" if number < 6 else "court_costs"
                add_ledger_entry(case, ADMIN["name"], "commitment", category, Decimal("1000.50"))
                if number == 0:
                    add_ledger_entry(case, ADMIN["name"], "payment", category, Decimal("400"))
    return made


def report_csv(client) -> dict[str, dict[str, str]]:
    reply = client.get(f"/staff/report.csv?year={YEAR}")
    assert reply.status_code == 200
    lines = list(csv.reader(io.StringIO(reply.get_data(as_text=True))))
    assert lines[0] == ["Section", "Row", "Figure"]
    found: dict[str, dict[str, str]] = {}
    for section, row, figure in lines[1:]:
        found.setdefault(section, {})[row] = figure
    return found


def recoverable(table: dict[str, str], total: int) -> list[str]:
    """The withheld rows of a table that its published total and its shown rows give away: the
    one withheld, or any whose value the others pin down (all others at their least, 1, and at
    their most, 4, leave it a single value)."""
    withheld = [row for row, figure in table.items() if not figure.isdigit()]
    rest = total - sum(int(figure) for figure in table.values() if figure.isdigit())
    found = []
    for row in withheld:
        others = len(withheld) - 1
        low, high = max(1, rest - 4 * others), min(4, rest - others)
        if low == high:
            found.append(row)
    return found


def test_the_report_withholds_what_could_point_to_a_person(app, client):
    requests_of_the_year(app)
    log_in(client, ADMIN)

    report = report_csv(client)

    assert report["Requests"]["Total"] == "10"
    regions = report["Requests by world region"]
    assert FEWER in regions["Americas"]  # 3 requests from one region
    assert regions["Africa"] == "0"
    assert recoverable(regions, 10) == []
    statuses = report["Requests by status"]
    # 2 new: withheld; and the 8 approved with them, or the total would give the 2 away.
    assert FEWER in statuses["new"] and FEWER in statuses["approved"]
    assert statuses["declined"] == "0"
    assert recoverable(statuses, 10) == []
    assert report["Requests by kind of harm (a request may name several)"]["doxxing"] == "10"
    money = report["Money committed, by category"]
    with app.app_context():
        ledger = db.session().scalar(
            select(func.sum(LedgerEntry.amount_cents)).where(LedgerEntry.kind == "commitment")
        )
    assert money["Total"] == f"{ledger / 100:.2f}" == "8004.00"  # withheld ones included
    assert FEWER in money["Other categories"]  # court costs: 2 cases
    assert FEWER in money["Legal fees of the requester's own counsel"]  # else other = total - it
    assert report["Money paid, by category"]["Total"] == FEWER  # one case was paid


@pytest.mark.parametrize("where", ["page", "csv"])
def test_a_published_year_stays_as_it_was_after_its_cases_are_purged(app, client, where):
    made = requests_of_the_year(app)
    log_in(client, ADMIN)
    before = report_csv(client)
    assert post(client, "/staff/report/publish", year=str(YEAR)).status_code == 302

    with app.app_context():
        for reference in made[:5]:
            case = db.session().scalar(
                select(HelpRequest).where(HelpRequest.reference == reference)
            )
            change_status(case, ADMIN["name"], "admin", "closed", "")
            delete_request(case)
        db.session().commit()

    if where == "csv":
        assert report_csv(client) == before
    else:
        page = client.get(f"/staff/report?year={YEAR}").get_data(as_text=True)
        assert "Published on" in page and "<strong>10</strong>" in page
