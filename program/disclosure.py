"""Which figures of the program's yearly report may be published, so that none points to a person.

The program helps a few people a year, and who asked for help against harassment is the most
sensitive thing it holds. A count of 1 to 4 (three requests from one region, two declined)
narrows a request down to people a reader may know. Below, "small" means 1 to 4.

Counts (`protect_counts`): a table of one breakdown of the year's requests, such as by region.

1. A small count is withheld. A 0 is shown: that nobody asked from a region names no one, and
   withholding every 0 would hide most of a small table for nothing.
2. When the table's total is published (here or in any table with the same total), the total
   minus the shown counts is what the withheld ones add up to, and with one withheld, that one.
   So more counts are withheld, the smallest shown first (never a 0: it would protect nothing),
   until each withheld count could still be any of 1, 2, 3 or 4 as far as the total, the shown
   counts and the bounds this rule gives away tell. A reader knows each withheld count is at
   least 1 (a 0 would be shown) and, knowing the rule, at most 4 or at most the smallest count
   still shown (a larger one would have been left shown). With n counts withheld that add up
   to S, and M the larger of 4 and one less than the smallest shown count:
   - S - (n - 1) >= 4: with the others at 1, any one could be 4. With n = 2 this is the usual
     rule that the withheld counts add up to 5 or more, so that no sum under 5 is given away;
     it also rules out five withheld counts adding up to 5, each of which could only be 1.
   - S - (n - 1) * M <= 1: with the others at their largest, any one could be 1. Without it,
     two withheld counts adding up to 8 while a 5 is shown are both 4.
   Together they need two or more withheld. M is one less than the smallest shown count
   because a count equal to it could only have been withheld before it by key order, which a
   reader could use; so a count equal to a withheld one is withheld too, and the result does
   not depend on the keys. A reader who tries every table that would be published alike may
   learn a little more (that a withheld count is not 1), never a withheld count itself: the
   tests try every table of up to six counts.
3. When every count but the 0s withheld still does not meet 2, the 0s are withheld too: a
   reader then knows only the total, which is 5 or more.
4. A total of 1 to 4 is withheld, and every count with it: each is at most the total, and
   shown 0s would tell how few places the few requests came from.

Every withheld count of a table with a published total carries the same note, WITHHELD ("not
shown": fewer than 5, or withheld to protect one that is). Marking the small ones "fewer than 5"
and the others differently would undo rule 2: a "fewer than 5" and another withheld count that
add up to 6 are a 1 and a 5. Where the total is not published, or is under 5, every withheld
count is under 5 and says so: FEWER_THAN_5. Pass total_published=False only for a table whose
counts add up to no published figure (a request counts in several of its rows, and their sum
is not shown).

Money (`protect_money`), by category, the total always published: a category's amount is shown
only when 5 or more cases share it, else it is added to "other categories", counted by distinct
cases (a case with costs in three small categories is one case, not three). When "other" covers
1 to 4 cases, it is withheld, and by rule 2 so is the shown category with the fewest cases (ties
by key): the reader then learns only what both together cost, 5 cases or more. That choice
looks at no amount, so it tells nothing about any. When the whole table covers fewer than 5
cases, only that is said: every amount and the total are withheld. This is a threshold rule
only: one very large payment in a category of 5 cases still dominates its amount.

Medians (`median_days`) are shown only when computed over 5 or more cases, rounded to a tenth
of a day: the median of an odd number of cases is one case's own time.

Each table protects itself against its own total. A figure that adds tables together (two
years, or two breakdowns of the same requests, cross-tabulated) gives the reader new sums and
must be protected with them, not published beside them.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

SMALL = 5  # the fewest cases a published figure may be about
# Message keys of what the page prints in place of a withheld figure.
FEWER_THAN_5 = "chldp-report-fewer-than-5"
WITHHELD = "chldp-report-withheld"

Number = TypeVar("Number", int, float)
Case = TypeVar("Case", bound=Hashable)


@dataclass(frozen=True)
class Cell(Generic[Number]):
    """One figure as it may be published: `value`, or None where it is withheld, and then `note`,
    the message key of what the page shows instead. A withheld figure's value is not kept, so no
    page can show it by mistake."""

    value: Number | None
    note: str = ""


@dataclass(frozen=True)
class Table:
    """Counts as they may be published, in the order given; `total` is None when the table's
    total is not published."""

    cells: dict[str, Cell[int]]
    total: Cell[int] | None


@dataclass(frozen=True)
class MoneyTable:
    """Amounts in cents as they may be published: `categories` holds those with 5 or more cases,
    in the order given; `other` every other category together (0 when there is none)."""

    categories: dict[str, Cell[int]]
    other: Cell[int]
    total: Cell[int]


def protect_counts(counts: Mapping[str, int], total_published: bool = True) -> Table:
    """The table of `counts` by rules 1 to 4 of this module's description."""
    if any(count < 0 for count in counts.values()):
        raise ValueError("a count is never negative")
    total = sum(counts.values())
    small = {key for key, count in counts.items() if 0 < count < SMALL}
    if not total_published:
        return Table(_cells(counts, small, FEWER_THAN_5), None)
    if 0 < total < SMALL:
        return Table(_cells(counts, set(counts), FEWER_THAN_5), Cell(None, FEWER_THAN_5))
    return Table(_cells(counts, _withheld_with_total(counts, small), WITHHELD), Cell(total))


def protect_money(spent: Mapping[str, Mapping[Case, int]]) -> MoneyTable:
    """The table of the cents in `spent` (category -> case -> cents of that case in it), by the
    money rules of this module's description."""
    if 0 < len(set().union(*spent.values())) < SMALL:
        return MoneyTable({}, Cell(None, FEWER_THAN_5), Cell(None, FEWER_THAN_5))
    total = sum(sum(cases.values()) for cases in spent.values())
    shown = [category for category, cases in spent.items() if len(cases) >= SMALL]
    small = [cases for category, cases in spent.items() if category not in shown]
    other_cases = set().union(*small)
    other = sum(sum(cases.values()) for cases in small)
    categories = {category: Cell(sum(spent[category].values())) for category in shown}
    if not 0 < len(other_cases) < SMALL:
        return MoneyTable(categories, Cell(other), Cell(total))
    fewest = min(sorted(shown), key=lambda category: len(spent[category]))
    categories[fewest] = Cell(None, WITHHELD)
    return MoneyTable(categories, Cell(None, WITHHELD), Cell(total))


def median_days(values: Sequence[float]) -> Cell[float]:
    """The median of `values` (days), when there are 5 or more."""
    if len(values) < SMALL:
        return Cell(None, FEWER_THAN_5)
    return Cell(round(float(statistics.median(values)), 1))


def _cells(counts: Mapping[str, int], withheld: set[str], note: str) -> dict[str, Cell[int]]:
    return {
        key: Cell(None, note) if key in withheld else Cell(count) for key, count in counts.items()
    }


def _withheld_with_total(counts: Mapping[str, int], small: set[str]) -> set[str]:
    """The keys to withhold, the `small` ones first, when the total is published and 5 or more:
    rules 2 and 3."""
    withheld = set(small)
    if not withheld:
        return withheld
    # The shown counts other than 0, smallest first, ties by key.
    spare = sorted((count, key) for key, count in counts.items() if count >= SMALL)
    while not _hidden_enough([counts[key] for key in withheld], [count for count, _ in spare]):
        if not spare:
            return set(counts)
        withheld.add(spare.pop(0)[1])
    return withheld


def _hidden_enough(withheld: list[int], shown: list[int]) -> bool:
    """Whether each withheld count could be any of 1 to 4, to a reader who knows the total, the
    `shown` counts other than 0 (smallest first) and rule 2."""
    n, added = len(withheld), sum(withheld)
    # One less than the smallest shown: a count equal to it could only have been withheld before
    # it by key order, which a reader could use. With none shown, only the total bounds them.
    largest = max(SMALL - 1, shown[0] - 1) if shown else added
    return added - (n - 1) >= SMALL - 1 and added - (n - 1) * largest <= 1
