"""The seeded accounts: who they are, where they edited, and what the farm does to them.

Each account stands for a case the engagement report and the tests must handle. Edits are
spread over the years before `now`, so "edits in the last 12 months" holds whenever the farm
is brought up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

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
class Block:
    """A local block: sitewide, or partial from some pages and namespaces."""

    wiki: str
    expiry: str
    reason: str
    pages: tuple[str, ...] = ()
    namespaces: tuple[int, ...] = ()


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    activity: dict[str, Activity] = field(default_factory=dict)
    # Groups granted through the API, so the rights log has them: {wiki: [(group, years_ago)]}.
    granted: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    # Groups removed again later: {wiki: [(group, years_ago)]}.
    removed: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    # Groups granted for a time: {wiki: [(group, how long from the grant)]}.
    temporary: dict[str, tuple[tuple[str, timedelta], ...]] = field(default_factory=dict)
    # Groups a steward grants on a wiki from Meta (`NAME@wiki`): {wiki: [group]}.
    granted_from_meta: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Global groups, granted on Meta with action=globaluserrights.
    global_groups: tuple[str, ...] = ()
    locked: bool = False
    # How a steward hid the global account: "lists" or "suppressed".
    hidden: str = ""
    blocks: tuple[Block, ...] = ()
    # Wikis where the account exists without edits (CentralAuth attaches it on a visit).
    attached_only: tuple[str, ...] = ()
    # The name it edited and got its roles under, before a global rename to `name`.
    former_name: str = ""

    @property
    def seeded_name(self) -> str:
        """The name the account has while its history is written."""
        return self.former_name or self.name

    @property
    def blocked_on(self) -> tuple[str, ...]:
        return tuple(block.wiki for block in self.blocks)


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
        blocks=(
            Block(
                "enwiki",
                "infinite",
                "Harassment of other editors: threats and attempts to reveal private data",
            ),
        ),
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
    # Added later: each new account comes last, so the ones above keep their seeded edits.
    Account(
        "Appointed Admin",
        "appointed_from_meta",
        activity={"enwiki": Activity(60, 3.0)},
        granted_from_meta={"enwiki": ("sysop",)},
    ),
    Account(
        "Interim Admin",
        "temporary_roles",
        activity={"enwiki": Activity(90, 4.0)},
        # The second ends a few seconds after it is granted: a former role by the time the
        # farm is up.
        temporary={
            "enwiki": (("rollbacker", timedelta(days=365)), ("sysop", timedelta(seconds=5)))
        },
    ),
    Account(
        "Edit Warrior",
        "partially_blocked",
        activity={"dewiki": Activity(70, 5.0), "metawiki": Activity(15, 2.0)},
        blocks=(
            Block(
                "dewiki",
                "1 year",
                "Edit warring on Artikel 7 and its talk pages",
                pages=("Artikel 7",),
                namespaces=(1,),
            ),
            Block("metawiki", "1 year", "Cross-wiki edit warring after a warning"),
        ),
    ),
    Account(
        "Renamed Editor",
        "renamed",
        activity={"enwiki": Activity(120, 8.0, 1.0), "dewiki": Activity(45, 6.0, 1.0)},
        granted={"dewiki": (("sysop", 4.0),)},
        former_name="Old Nickname",
    ),
    Account(
        "Hidden Account",
        "hidden",
        activity={"enwiki": Activity(7, 0.5, 0.1)},
        locked=True,
        hidden="lists",
    ),
    Account(
        "Global Sysop",
        "global_sysop",
        activity={"metawiki": Activity(40, 6.0), "enwiki": Activity(25, 5.0)},
        global_groups=("global-sysop",),
    ),
)

# Addresses and ranges blocked on every wiki at once (GlobalBlocking REL1_39 blocks no
# accounts), by a steward: (target, expiry, reason, anonymous users only).
GLOBAL_BLOCKS = (
    ("192.0.2.7", "1 year", "Cross-wiki spam from an open proxy", False),
    ("198.51.100.0/24", "infinite", "Long-term abuse from this range", True),
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

# The global groups and their rights, as Special:GlobalGroupPermissions would define them.
GLOBAL_GROUP_RIGHTS = {
    "steward": [
        "centralauth-lock",
        "centralauth-suppress",
        "centralauth-rename",
        "globalblock",
        "globalgroupmembership",
        "userrights",
        "userrights-interwiki",
        "suppressrevision",
    ],
    "global-sysop": ["block", "delete", "undelete", "protect", "rollback"],
}


def wikis_of(account: Account) -> list[str]:
    """Every wiki where the account exists: where it edited, got groups, or was attached."""
    names = set(account.activity) | set(account.granted) | set(account.attached_only)
    names |= set(account.temporary) | set(account.granted_from_meta) | set(account.blocked_on)
    names.add("metawiki")  # the central wiki: every global account is attached there
    return [w for w in WIKIS if w in names]
