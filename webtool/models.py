"""What the tool stores: requests for help, each with its engagement frozen at submission.

Free text and contact details are stored sealed (see crypto.py); the columns that staff
filter on (status, kinds, country, language) are plain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
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
    kinds: Mapped[str] = mapped_column(String(255))
    country: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(35))
    description_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    contact_sealed: Mapped[str] = mapped_column(LONG_TEXT)
    engagement_json: Mapped[str] = mapped_column(LONG_TEXT)
