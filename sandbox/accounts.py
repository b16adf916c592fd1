"""The seeded accounts: who they are, where they edited, and what the farm does to them.

Each account stands for a case the engagement report and the tests must handle. Edits are
spread over the years before `now`, so "edits in the last 12 months" holds whenever the farm
is brought up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# One password for every seeded account: the farm listens on loopback only, and a person
# trying the demo needs to know it (the README says it).
PASSWORD = "Wikimedia-sandbox-2026"
OPERATOR = "Farm Operator"
BOT_APP = "sync"
WIKIS = ("metawiki", "enwiki", "dewiki")


@dataclass(frozen=True)
class Activity:
    """Edits on one wiki, spread between `years_ago` and `until_years_ago` before now."""

    edits: int
    years_ago: float
    until_years_ago: float = 0.0
    pages: tuple[str, ...] = ()  # when set, the edits go to these pages only


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    activity: dict[str, Activity] = field(default_factory=dict)
    # Groups granted through the API, so the rights log has them: {wiki: [(group, years_ago)]}.
    granted: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    # Groups removed again later: {wiki: [(group, years_ago)]}.
    removed: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    global_groups: tuple[str, ...] = ()
    locked: bool = False
    blocked_on: tuple[str, ...] = ()
    # Wikis where the account exists without edits (CentralAuth attaches it on a visit).
    attached_only: tuple[str, ...] = ()


GRANT_PAGES = (
    "Grants:Project/Grant Writer/Safety tools for editors",
    "Grants talk:Project/Grant Writer/Safety tools for editors",
    "Grants:Project/Rapid/Grant Writer/Workshop on documenting harassment",
)

ACCOUNTS: tuple[Account, ...] = (
    Account(
        "Veteran Editor",
        "long_time_editor",
        activity={
            "enwiki": Activity(1500, 12.5),
            "dewiki": Activity(600, 9.0),
            "metawiki": Activity(12, 6.0),
        },
    ),
    Account(
        "Мария Иванова",
        "administrator",
        activity={"enwiki": Activity(300, 7.0), "metawiki": Activity(4, 3.0)},
        granted={"enwiki": (("sysop", 5.0), ("bureaucrat", 2.0))},
    ),
    Account(
        "Karl Früher",
        "former_administrator",
        activity={"dewiki": Activity(250, 11.0, 1.5)},
        granted={"dewiki": (("sysop", 8.0),)},
        removed={"dewiki": (("sysop", 2.0),)},
        attached_only=("metawiki",),
    ),
    Account(
        "Grant Writer",
        "grant_participant",
        activity={
            "metawiki": Activity(30, 3.0, 0.2, pages=GRANT_PAGES),
            "enwiki": Activity(40, 4.0),
        },
    ),
    Account("Fresh Account", "new_account", attached_only=("metawiki",)),
    Account(
        "Blocked Harasser",
        "blocked",
        activity={"enwiki": Activity(9, 0.4, 0.05)},
        blocked_on=("enwiki",),
        attached_only=("metawiki",),
    ),
    Account(
        "Locked Vandal",
        "locked",
        activity={"enwiki": Activity(6, 0.3, 0.1)},
        locked=True,
        attached_only=("metawiki",),
    ),
    Account(
        "Global Steward",
        "steward",
        activity={"metawiki": Activity(600, 13.0), "enwiki": Activity(80, 10.0)},
        global_groups=("steward",),
    ),
    Account("ChldpBot", "bot", granted={"metawiki": (("bot", 0.0),)}),
    Account("Jane Doe", "staff_admin", activity={"metawiki": Activity(5, 2.0)}),
    Account("Émile", "staff_reviewer", activity={"metawiki": Activity(3, 1.0)}),
)

# Harassing edits on the long-time editor's talk page, the one before the last hidden by revision
# deletion, so evidence capture has real targets (and a hidden one).
HARASSMENT_PAGE = "User talk:Veteran Editor"
# Markup as an attacker writes it in an edit summary, to run a script in a page that shows it.
HOSTILE_SUMMARY = "<img src=x onerror=alert(1)>"
# Each harassing message with its edit summary.
HARASSMENT = (
    ("Stop editing that article. I know who you are.", "a friendly word"),
    ("I found your workplace. Everyone there will hear about your edits.", "see you soon"),
    ("Last warning: your real name and address go online tomorrow.", HOSTILE_SUMMARY),
)

# The global groups the CentralAuth stand-in knows, as Special:GlobalGroupPermissions lists them.
GLOBAL_GROUP_RIGHTS = {
    "steward": [
        "centralauth-lock",
        "centralauth-suppress",
        "globalblock",
        "userrights",
        "userrights-interwiki",
        "checkuser",
        "suppressrevision",
    ],
}


def wikis_of(account: Account) -> list[str]:
    """Every wiki where the account exists: where it edited, got groups, or was attached."""
    names = set(account.activity) | set(account.granted) | set(account.attached_only)
    names.add("metawiki")  # the central wiki: every global account is attached there
    return [w for w in WIKIS if w in names]
