"""A real SMTP server on loopback (aiosmtpd) that keeps what it is sent, and can be stopped
and started again on its port, as a mail relay that goes away and comes back."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class SmtpSink:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.messages: list[EmailMessage] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 OK"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def texts(self) -> list[str]:
        """Each message whole: its headers and its body."""
        return [f"{m}\n{m.get_content()}" for m in self.messages]


def serving(monkeypatch) -> SmtpSink:
    """A started mailbox, with the web tool's SMTP settings pointing at it."""
    mailbox = SmtpSink()
    mailbox.start()
    monkeypatch.setenv("CHLDP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHLDP_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("CHLDP_SMTP_SENDER", "chldp@tools.example")
    return mailbox


@contextmanager
def watched(monkeypatch, never: list[str]) -> Iterator[SmtpSink]:
    """A started mailbox (`serving`), stopped afterwards, every e-mail it received then checked
    for the words in `never`, which no e-mail of the tool may carry."""
    sink = serving(monkeypatch)
    try:
        yield sink
    finally:
        sink.stop()
    for text in sink.texts():
        for word in never:
            assert word.casefold() not in text.casefold(), (word, text)


def link_in(mail: EmailMessage) -> str:
    """The link an e-mail of the tool gives."""
    found = re.search(r"http://\S+", mail.get_content())
    assert found, mail.get_content()
    return found[0]
