"""What a report is: the account's wikis, the findings, each with a link, and how a finding
links to the page of a wiki where a person can check it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from urllib.parse import quote

from webtool.infra.i18n import render, sentence

# How the API writes "no end" for a group membership or a block.
NO_END = ("infinity", "infinite", "indefinite", "never")


class UserNotFound(LookupError):
    """No global account has this name."""


@dataclass
class Finding:
    """One fact: `message` and `params` say it in any interface language (webtool/messages),
    `summary` in English for the command line and staff."""

    # account, role, former_role, global_role, grants, editing, activity, restriction,
    # block_history
    kind: str
    wiki: str
    link: str
    message: str
    params: list
    start: str | None = None
    end: str | None = None
    partial: bool = False  # read from a list the wiki cut short; the message says so
    summary: str = field(init=False)

    def __post_init__(self) -> None:
        self.summary = sentence(render("en", self.message, *self.params))


@dataclass
class WikiEdits:
    wiki: str
    url: str
    edits: int
    registration: str | None
    groups: list[str] = field(default_factory=list)


@dataclass
class Report:
    user: dict
    totals: dict
    wikis: list[WikiEdits]
    findings: list[Finding]
    api_requests: int
    gathered_at: str

    def to_dict(self) -> dict:
        return asdict(self)


def at_least(message: str, complete: bool) -> str:
    """The message of a count read in full, or of one the wiki cut short ("at least")."""
    return message if complete else f"{message}-partial"


def end_of(expiry: str | None) -> str | None:
    """An expiry as the API gives it, None for none."""
    return None if expiry in (None, *NO_END) else expiry


def link(server: str, title: str, **query: str) -> str:
    """The address of `title` on the wiki at `server`, with `query`."""
    path = f"{server}/wiki/{quote(title.replace(' ', '_'), safe='/:')}"
    if query:
        path += "?" + "&".join(
            # "@" as it is, so `User:NAME@enwiki` reads in the link as on the wiki.
            f"{k}={quote(v.replace(' ', '_'), safe=':@')}"
            for k, v in query.items()
        )
    return path


def server_of(api_url: str) -> str:
    """The wiki's address, from its API's."""
    return api_url.split("/w/api.php")[0]
