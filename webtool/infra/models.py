"""What the tool stores: requests for help (each with its engagement frozen at submission),
the staff's work on them, the fund's ledger, the audit log, sessions and the program's status.

Whatever tells who asked, about what or from where is sealed: every such column's name ends in
`_sealed`. A case's words are sealed to the case's own public key (keys.py), and its private
key is kept wrapped to the legal team's key (and the requester's): nothing the server holds
opens them. The books and the audit log are sealed to the team's public key. What stays under
the server's Fernet keys (crypto.py: sessions' surroundings, reports being gathered, evidence
not attached to a case, mail in the outbox) is what key rotation re-seals. Where a page must
find rows by a value (a person's own requests), a keyed hash of it is kept beside it (`_key`
columns, keyed.py). The README lists every column, who can open it and what a copy reveals.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
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
    # Who asked: the keyed hash of their central id finds their requests; the name and id
    # themselves are sealed, in the facts.
    requester_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    purge_after: Mapped[datetime] = mapped_column(DateTime, index=True)
    status: Mapped[str] = mapped_column(String(32), default="new", index=True)
    # For an approved case: "referral" to counsel, "funding", or "both".
    assistance: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # What the queue shows and filters on, opened once a case: JSON {"name", "id" (of the
    # requester), "kinds", "country", "language"}.
    facts_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    description_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    contact_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    engagement_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    # The case's key pair: every `_sealed` value of the case is sealed to the public half; the
    # private half is kept only wrapped, to the team's key and to the requester's. Empty on a
    # request stored before keys held by people, until `reseal-cases` gives it its own.
    case_public_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    case_key_team: Mapped[str | None] = mapped_column(Text, nullable=True)
    case_key_requester: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The requester said they are in danger now: the case stands first in the queue with its
    # own, shorter clock (program/clocks.py), so it is kept plain.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The clocks: the team's first message or change of status, the decision, and the time the
    # team waited for the requester (the case's history says as much in the clear).
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    paused_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)


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
    owner_key: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of the central id
    owner_sealed: Mapped[str] = mapped_column(LONG_TEXT)  # {"name", "id"}
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
    # Read only when the ZIP itself is wanted: a list of bundles never loads their bytes.
    bundle_sealed: Mapped[str | None] = mapped_column(LONG_TEXT, nullable=True, deferred=True)
    # The bundle's own file key, which seals its columns and items: under the server's key
    # while the worker captures, then sealed only to the requester who captured it and to the
    # case it is attached to. A bundle from before has neither, until `reseal-cases`.
    file_key_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    file_key_case: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Sealed to the requester's public key when a requester captured it.
    file_key_requester: Mapped[str | None] = mapped_column(Text, nullable=True)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The web archive (WACZ), a file of its own in the data folder, written once: its random
    # name (never the reference, which people see), size and SHA-256. A bundle from before
    # web archives has none, and its ZIP in bundle_sealed.
    archive_file: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    archive_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    archive_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The archive's datapackage.json, which a time-stamping authority signs the digest of:
    # the SHA-256 and size of each file of the archive, nothing of their content, kept so that
    # a stamp can be asked for again without the bundle's key. Then the signed reply (base64
    # DER, an RFC 3161 TimeStampResp), the time it vouches for, the next try while pending.
    datapackage: Mapped[str | None] = mapped_column(Text, nullable=True)
    stamp: Mapped[str | None] = mapped_column(Text, nullable=True)
    stamped_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    stamp_tries: Mapped[int] = mapped_column(Integer, default=0)
    stamp_next_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    # The authors of what the bundle holds, by central id (a rename does not hide them), under
    # its file key: JSON [{"id", "name"}]; added to the case it is attached to.
    authors_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)


class CaseAccount(Base):
    """An account a case names: an author of its evidence, or one the requester or staff name.
    Sealed to the case's key by whoever adds it, {"id": central id, "name", "source"}: the
    conflict check (services/conflicts.py) compares them across cases in an unlocked session."""

    __tablename__ = "case_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    account_sealed: Mapped[str] = mapped_column(Text)


class CaseRecusal(Base):
    """A member of the legal team who stepped aside from a case (a conflict of interest): they
    no longer open it. Their reason, if they gave one, is sealed to their own key: an admin sees
    who stepped aside, not why, unless they wrote it."""

    __tablename__ = "case_recusals"

    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    reason_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)


class YearlyReport(Base):
    """A year of the program's report as it was published: figures already protected (no
    figure about fewer than 5 cases), public by design, and frozen: later purges of the cases
    they count do not change them."""

    __tablename__ = "yearly_reports"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    published_at: Mapped[datetime] = mapped_column(DateTime)
    published_by: Mapped[str] = mapped_column(String(255))
    figures: Mapped[str] = mapped_column(Text)  # JSON, as yearly_report.figures() makes it


class CustodyEvent(Base):
    """A step in an evidence bundle's chain of custody: captured, stamped, attached to a case,
    downloaded, checked. Who did it, and what it concerned, is sealed under the bundle's own
    file key: only those who may open the bundle read its custody."""

    __tablename__ = "custody_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("evidence_bundles.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    event: Mapped[str] = mapped_column(String(32))
    detail_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditEntry(Base):
    """Who did what, when: written for every staff look-up, view, note, decision and payment,
    and every refused attempt at the staff console. Nothing in the tool updates these rows;
    the retention purge deletes them after CHLDP_AUDIT_RETENTION_DAYS.

    The actor is a member of the legal team (or "retention", or "not staff" for a refusal);
    what was looked at and the details (a looked-up name, a filter's country) are sealed.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(255), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    detail_sealed: Mapped[str] = mapped_column(LONG_TEXT)


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
    """Money for a case: a commitment from the fund, or a payment made. The fund's books
    outlive the request: when a request is purged its entries stay, detached from it."""

    __tablename__ = "ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id"), nullable=True, index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # "commitment" or "payment"
    category: Mapped[str] = mapped_column(String(32))
    # Whole cents: exact on every database (SQLite has no decimal type).
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    override_sealed: Mapped[str] = mapped_column(LONG_TEXT)  # why the fund's limit was passed


class ProgramStatus(Base):
    """The program's public status; the newest row is the one in force."""

    __tablename__ = "program_status"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(String(500))


class UserSession(Base):
    """A login: the cookie carries a random token, this row its SHA-256, so a session can be
    ended on the server (logout, idle or absolute lifetime, a staff member removed) and a copy
    of the cookie stops working with it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_key: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of the central id
    # Set once the account acted as staff: when it is no longer staff, its sessions end.
    staff: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    seen_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    # A staff member's private key while the session is unlocked, under a key derived from the
    # session's token, which only the cookie holds.
    unlocked: Mapped[str | None] = mapped_column(Text, nullable=True)


class StaffPin(Base):
    """The central id a staff name had when it was first used: a renamed or usurped name
    does not inherit the role."""

    __tablename__ = "staff_pins"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    central_id: Mapped[int] = mapped_column(BigInteger)
    pinned_at: Mapped[datetime] = mapped_column(DateTime)


class Slot(Base):
    """One of the slots that bound work across the whole deployment (slots.py): captures
    running at once, requests in flight to the wikis."""

    __tablename__ = "slots"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holder: Mapped[str | None] = mapped_column(String(32), nullable=True)
    until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class EvidenceItem(Base):
    """What a capture got from one of its links, kept as soon as it is captured: a capture cut
    off (a worker killed, a deploy) goes on from the next link, and each link is in the
    bundle once."""

    __tablename__ = "evidence_items"
    __table_args__ = (UniqueConstraint("bundle_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("evidence_bundles.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # the link's place in what was pasted
    kind: Mapped[str] = mapped_column(String(16))  # "kept" or "refused"
    # Kept: a small ZIP of the item's record and files; refused: the refusal's record.
    content_sealed: Mapped[str] = mapped_column(LONG_TEXT)


class EngagementReport(Base):
    """An engagement report asked for, gathered in the background, kept sealed for the pages
    that show it; its subject is found by a keyed hash of the name."""

    __tablename__ = "engagement_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    subject_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    status: Mapped[str] = mapped_column(String(16))  # waiting, gathering, retrying, done, failed
    detail_sealed: Mapped[str] = mapped_column(LONG_TEXT)  # why it is retrying or failed
    report_sealed: Mapped[str | None] = mapped_column(LONG_TEXT, nullable=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class CaseMessage(Base):
    """A message on a case between the requester and the legal team: what the requester wrote
    (an answer, with the evidence bundles they attached), or what staff wrote to them (a
    question when they asked for information). The legal team's internal notes stay
    CaseEvents, which the requester never sees."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    # "requester", or the staff member's name as the case's history has it.
    author: Mapped[str] = mapped_column(String(255))
    from_requester: Mapped[bool] = mapped_column(Boolean)
    text_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    attachments_sealed: Mapped[str] = mapped_column(LONG_TEXT)  # JSON: bundle references
    # When the other side first opened it: the queue puts unread answers first.
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The form's one-time key: a form sent twice (a resend, a slow network) stores one message.
    submission_key: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (
        UniqueConstraint("request_id", "submission_key", name="uq_case_messages_submission"),
    )


class OutboxMail(Base):
    """An e-mail waiting to be sent: the page stores it, a task on the queue sends it, and a
    row is deleted once the SMTP server took it, so it goes out once."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    mail_sealed: Mapped[str] = mapped_column(LONG_TEXT)  # JSON: {"to", "subject", "body"}
    # A sender holds the row until then; one killed meanwhile leaves it to the next.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    # The request it is about, if any: deleting the request deletes its mail not yet sent.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id", name="fk_outbox_request"), nullable=True, index=True
    )


class RefusedAttempt(Base):
    """Requests for the staff console by someone not on the staff list, counted per hour and
    kind of path: an attack leaves a count, not a row per request."""

    __tablename__ = "refused_attempts"

    hour: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class StaffNotice(Base):
    """Where a member of the legal team gets e-mails about the queue, and whether they do."""

    __tablename__ = "staff_notices"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    email_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    wanted: Mapped[bool] = mapped_column(Boolean, default=True)


class StaffKey(Base):
    """A member of the legal team's key pair; the private half only under their passphrase
    (Argon2id). Wrong passphrases in a row make the account wait, whoever tries."""

    __tablename__ = "staff_keys"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    private_locked: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    wait_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class TeamKey(Base):
    """The legal team's key pair: cases' keys, the books and the audit log are sealed to its
    public half. Its private half is kept only wrapped, to the recovery key here and to each
    member granted it (TeamGrant)."""

    __tablename__ = "team_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    recovery_public_key: Mapped[str] = mapped_column(String(64))
    private_for_recovery: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(255))


class TeamGrant(Base):
    """The team's private key wrapped to one member's public key: given by an unlocked admin,
    deleted as soon as the member is off the staff list."""

    __tablename__ = "team_grants"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    private_for_member: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(255))
    granted_at: Mapped[datetime] = mapped_column(DateTime)


class RequesterKey(Base):
    """A requester's public key, found by the keyed hash of their central id (a copy tells
    whether a given account has stored something). Their private key is on their devices, and
    here only under their recovery phrase (Argon2id), which the tool shows them once."""

    __tablename__ = "requester_keys"

    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    private_for_phrase: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Wrong phrases in a row make the account wait, as a staff passphrase does.
    wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    wait_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Set when the requester, having lost both phrase and device, made a new key: their cases
    # wait for a staff member to wrap them to it.
    renewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class RequesterDevice(Base):
    """A requester's private key wrapped under a device key that only one browser's cookie
    holds."""

    __tablename__ = "requester_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    private_locked: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
