"""What the tool stores: requests for help (each with its engagement frozen at submission),
the staff's work on them, the fund's ledger, the audit log and the program's status.

Free text and contact details are stored sealed (see crypto.py); the columns that staff
filter on (status, kinds, country, language) are plain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# MariaDB's TEXT holds 64 KiB; a sealed description can be longer than the plain one.
LONG_TEXT = Text(length=16_000_000)


class Base(DeclarativeBase):
    pass


class HelpRequest(Base):
    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    # The form's one-time key: posting the same form twice finds the first request.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    requester_id: Mapped[int] = mapped_column(BigInteger, index=True)
    requester_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    purge_after: Mapped[datetime] = mapped_column(DateTime, index=True)
    status: Mapped[str] = mapped_column(String(32), default="new", index=True)
    # For an approved case: "referral" to counsel, "funding", or "both".
    assistance: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kinds: Mapped[str] = mapped_column(String(255))
    country: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(35))
    description_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    contact_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    engagement_json: Mapped[str] = mapped_column(LONG_TEXT)


class EvidenceBundle(Base):
    """Links a person pasted, captured into an evidence bundle; kept with their account.

    The links, the outcome and the ZIP are sealed; a bundle attached to a request is kept and
    purged with it.
    """

    __tablename__ = "evidence_bundles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    # The form's one-time key: posting the same links twice starts one capture.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(BigInteger, index=True)
    owner_name: Mapped[str] = mapped_column(String(255))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    purge_after: Mapped[datetime] = mapped_column(DateTime, index=True)
    status: Mapped[str] = mapped_column(String(16))  # "waiting", "capturing", "done", "failed"
    links_total: Mapped[int] = mapped_column(Integer)
    links_done: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    links_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    # JSON: the refused links with their message keys, or why the capture failed.
    outcome_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    bundle_sealed: Mapped[str | None] = mapped_column(LONG_TEXT, nullable=True)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditEntry(Base):
    """Who did what, when: written for every staff look-up, view, note, decision and payment.
    Nothing in the tool updates or deletes these rows."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(255), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    detail: Mapped[str] = mapped_column(Text)


class CaseEvent(Base):
    """A step in a case's history: a status change with its reason, or a note."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # "status" or "note"
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text_sealed: Mapped[str] = mapped_column(LONG_TEXT)


class LedgerEntry(Base):
    """Money for a case: a commitment from the fund, or a payment made."""

    __tablename__ = "ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # "commitment" or "payment"
    category: Mapped[str] = mapped_column(String(32))
    # Whole cents: exact on every database (SQLite has no decimal type).
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    override_reason: Mapped[str] = mapped_column(Text, default="")


class ProgramStatus(Base):
    """The program's public status; the newest row is the one in force."""

    __tablename__ = "program_status"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(String(500))
