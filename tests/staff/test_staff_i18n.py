"""The staff console speaks the staff member's language: its pages, its refusals (one type,
shown one way) and the headers of its CSV exports, in English, German and Arabic. Runs on SQLite
and on MariaDB."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from support import CHECKOUT
from support.helpers import ADMIN, REVIEWER, approved, post
from support.logins import log_in

from program.assistance import load_categories
from program.case_flow import ASSISTANCE, STATUSES
from program.content import PROGRAM_STATUSES
from webtool.pages import staff
from webtool.services import casework
from webtool.services.help_requests import KINDS
from webtool.services.staff_access import ROLES

ENGLISH = json.loads((CHECKOUT / "webtool" / "messages" / "en.json").read_text(encoding="utf-8"))
# A refusal raised with its message key, in the domain or the web tool.
RAISED = re.compile(r"\b(?:Refused|BadName|BadLink|MessageRefused)\(\s*\"(chldp-[a-z0-9-]+)\"")


pytestmark = pytest.mark.usefixtures("staff_list")


def page(client, url: str) -> str:
    return client.get(url).get_data(as_text=True)


def test_every_code_the_console_names_has_its_message():
    codes = {
        "chldp-staff-status-": STATUSES,
        "chldp-staff-kind-": KINDS,
        "chldp-staff-assistance-": ASSISTANCE,
        "chldp-staff-program-status-": PROGRAM_STATUSES,
        "chldp-staff-role-": ROLES,
        "chldp-staff-money-": casework.LEDGER_KINDS,
        "chldp-staff-category-": [*load_categories().payable, *load_categories().never_payable],
        "chldp-staff-csv-cases-": staff.CASES_CSV,
        "chldp-staff-csv-audit-": staff.AUDIT_CSV,
        "chldp-staff-csv-contributions-": staff.CONTRIBUTIONS_CSV,
        "chldp-staff-hidden-": ("text", "summary"),
    }
    missing = [p + c for p, values in codes.items() for c in values if p + c not in ENGLISH]
    assert missing == []


def test_every_refusal_raised_has_its_message():
    raised = set()
    for source in [*(CHECKOUT / "program").glob("*.py"), *(CHECKOUT / "webtool").rglob("*.py")]:
        raised |= set(RAISED.findall(source.read_text(encoding="utf-8")))
    assert len(raised) > 25  # the checker finds the refusals of steps, the ledger and amounts
    assert raised - set(ENGLISH) == set()


def test_a_staff_page_speaks_the_staff_members_language(client, case):
    log_in(client, REVIEWER)
    german = page(client, "/staff/?uselang=de")
    assert "Anfragen, die am längsten wartenden zuerst" in german
    assert "Fonds: 100.000,00 USD von 100.000,00 übrig" in german
    assert "Doxxing</td>" in german and ">neu</td>" in german
    # The language stays for the next page, as the session remembers it.
    german_case = page(client, f"/staff/case/{case}")
    assert "Gespräch und Verlauf" in german_case and "Status ändern" in german_case
    assert "Conversation and history" not in german_case

    arabic = page(client, f"/staff/case/{case}?uselang=ar")
    assert 'lang="ar" dir="rtl"' in arabic
    assert "المحادثة والسجل" in arabic and "تغيير الحالة" in arabic
    assert "Conversation and history" not in arabic


def test_a_refusal_is_said_in_the_staff_members_language(client, case):
    log_in(client, ADMIN)
    client.get("/staff/?uselang=de")
    refused = post(client, f"/staff/case/{case}/status", status="approved", reason="Fine.")
    shown = page(client, refused.headers["Location"])
    assert "Ein Fall mit dem Status „neu“ kann nicht „bewilligt“ werden." in shown

    client.get("/staff/?uselang=ar")
    approved(client, case)
    refused = post(
        client, f"/staff/case/{case}/money", kind="payment", category="fines", amount="1.001"
    )
    shown = page(client, refused.headers["Location"])
    assert "يحتوي المبلغ على منزلتين عشريتين على الأكثر." in shown


def test_a_refused_lookup_says_why_in_the_staff_members_language(client):
    log_in(client, REVIEWER)
    bad = client.get("/staff/lookup?user=Bad<Name&uselang=de")
    assert bad.status_code == 400
    assert "Ein Benutzername darf diese Zeichen nicht enthalten: &lt;<" in bad.get_data(
        as_text=True
    )


def test_the_csv_headers_are_in_the_staff_members_language(client, case):
    log_in(client, ADMIN)
    rows = list(csv.reader(io.StringIO(page(client, "/staff/export.csv?uselang=de"))))
    assert rows[0] == ["Aktenzeichen", "gesendet", "Status", "Arten", "Land", "Sprache"]
    assert rows[1][0] == case and rows[1][2] == "new"  # the cells keep the tool's codes
    audit = list(csv.reader(io.StringIO(page(client, "/staff/audit?format=csv&uselang=ar"))))
    assert audit[0] == ["الوقت", "المنفّذ", "الإجراء", "الهدف", "التفاصيل"]
    english = list(csv.reader(io.StringIO(page(client, "/staff/export.csv?uselang=en"))))
    assert english[0] == ["reference", "sent", "status", "kinds", "country", "language"]
