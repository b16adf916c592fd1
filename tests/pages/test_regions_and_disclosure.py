"""The yearly report's regions and what it may publish: the region of every country a requester
can choose, and that no withheld figure can be worked out from the figures shown, by a reader
who does the arithmetic or by one who knows the rules and tries every table they could hide.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations_with_replacement, product

import pytest
from support import CHECKOUT

from program.disclosure import (
    FEWER_THAN_5,
    WITHHELD,
    Cell,
    Table,
    median_days,
    protect_counts,
    protect_money,
)
from program.regions import CONTAINMENT_FILE, REGIONS, UNKNOWN, region_of
from webtool.services.places import PREFER_NOT_TO_SAY, country_codes


@pytest.mark.parametrize(
    "country, region",
    [
        ("BR", "019"),
        ("US", "019"),
        ("DE", "150"),
        ("NG", "002"),
        ("IN", "142"),
        ("AU", "009"),
        ("XK", "150"),  # Kosovo: in CLDR's Southern Europe, 039
        ("TW", "142"),
        ("PS", "142"),
        ("RU", "150"),
        ("TR", "142"),  # Western Asia, 145, though also in CLDR's "UN" grouping
        ("AQ", UNKNOWN),  # Antarctica: in no M49 region, only in CLDR's Outlying Oceania
        (PREFER_NOT_TO_SAY, UNKNOWN),
        ("QO", UNKNOWN),  # a CLDR grouping, not a country
        ("EU", UNKNOWN),
        ("Germany", UNKNOWN),  # as typed before the form listed countries
        ("", UNKNOWN),
        (None, UNKNOWN),
    ],
)
def test_region_of_a_country(country, region):
    assert region_of(country) == region


def test_every_country_on_the_form_has_a_region_but_antarctica():
    without = {code for code in country_codes() if region_of(code) == UNKNOWN}
    assert without == {"AQ", PREFER_NOT_TO_SAY}
    assert {region_of(code) for code in country_codes()} == set(REGIONS)


def test_the_regions_are_m49s_five_and_unknown():
    assert REGIONS == {
        "002": "Africa",
        "019": "Americas",
        "142": "Asia",
        "150": "Europe",
        "009": "Oceania",
        UNKNOWN: "Unknown",
    }


def test_the_committed_containment_is_the_locked_cldr():
    """bin/bootstrap copies the file from node_modules; the committed copy must not fall behind."""
    lock = json.loads((CHECKOUT / "webtool/assets/package-lock.json").read_text())
    locked = lock["packages"]["node_modules/cldr-core"]["version"]
    data = json.loads(CONTAINMENT_FILE.read_text())
    assert data["supplemental"]["version"]["_cldrVersion"] == locked.split(".")[0]


# What a reader can tell about the withheld counts of a table whose total is published.


def arithmetic_bounds(table: Table) -> dict[str, tuple[int, int]]:
    """The range of each withheld count from the total and the shown counts alone: they add up
    to the total, and a withheld count is at least 1 when some count is shown (a 0 would be)."""
    withheld = [key for key, cell in table.cells.items() if cell.value is None]
    shown = [cell.value for cell in table.cells.values() if cell.value is not None]
    assert table.total is not None and table.total.value is not None
    rest = table.total.value - sum(shown)
    least = 1 if shown else 0
    return {key: (least, rest - (len(withheld) - 1) * least) for key in withheld}


def splits(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way of writing `total` as `parts` counts of 0 or more, in order."""
    for bars in combinations_with_replacement(range(total + 1), parts - 1):
        edges = (0, *bars, total)
        yield tuple(b - a for a, b in zip(edges, edges[1:], strict=False))


def readings(table: Table) -> dict[str, set[int]]:
    """Each withheld count's possible values to a reader who knows the rules: every way to fill
    in the withheld counts that adds up to the total and would be published exactly so."""
    withheld = [key for key, cell in table.cells.items() if cell.value is None]
    shown = {key: cell.value for key, cell in table.cells.items() if cell.value is not None}
    assert table.total is not None and table.total.value is not None
    possible: dict[str, set[int]] = defaultdict(set)
    for values in splits(table.total.value - sum(shown.values()), len(withheld)):
        guess = {**shown, **dict(zip(withheld, values, strict=True))}
        if protect_counts({key: guess[key] for key in table.cells}) == table:
            for key, value in zip(withheld, values, strict=True):
                possible[key].add(value)
    return possible


def test_three_requests_from_one_region_cannot_be_worked_out():
    counts = {"002": 3, "019": 12, "142": 9, "150": 20, "009": 0, UNKNOWN: 6}
    table = protect_counts(counts)
    assert table.cells["002"] == Cell(None, WITHHELD)
    # The next smallest withheld with it, so the total minus the rest is not the 3.
    assert table.cells[UNKNOWN] == Cell(None, WITHHELD)
    assert [table.cells[key].value for key in ("019", "142", "150", "009")] == [12, 9, 20, 0]
    assert table.total == Cell(50)
    for least, most in arithmetic_bounds(table).values():
        assert least <= 1 and most >= 4
    possible = readings(table)
    assert {1, 2, 3, 4} <= possible["002"]
    assert len(possible[UNKNOWN]) > 1


def test_the_fewest_withheld_that_protect():
    table = protect_counts({"a": 2, "b": 7, "c": 9, "d": 30})
    assert [cell.value for cell in table.cells.values()] == [None, None, 9, 30]
    assert table.total == Cell(48)


@pytest.mark.parametrize(
    "counts",
    [
        # Two withheld counts adding up to 5 or more are not enough: withheld as the smallest
        # shown, a 5 would have been the first in key order, so these two are both 4.
        {"a": 5, "b": 4, "c": 4},
        # A withheld 6 comes before the shown 6, so the 4 is the one that is not a 6.
        {"a": 6, "b": 6, "c": 4},
        # Five withheld 1s add up to 5, each could only be 1: the 0 is withheld as well.
        {"a": 0, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1},
    ],
)
def test_tables_where_two_withheld_adding_up_to_5_would_give_counts_away(counts):
    table = protect_counts(counts)
    assert all(cell == Cell(None, WITHHELD) for cell in table.cells.values())
    assert table.total == Cell(sum(counts.values()))
    assert all(len(values) > 1 for values in readings(table).values())


def small_tables(size: int, largest_total: int) -> Iterator[dict[str, int]]:
    """Every table of `size` counts adding up to `largest_total` or less."""
    for total in range(largest_total + 1):
        for values in splits(total, size):
            yield dict(zip("abcdef", values, strict=False))


@pytest.mark.parametrize("size, largest_total", [(2, 30), (3, 20), (4, 16), (5, 12), (6, 10)])
def test_no_withheld_count_of_any_small_table_can_be_worked_out(size, largest_total):
    """Tables published alike are what a reader cannot tell apart; every table with the same
    total is among them, so what they leave possible is exactly what the reader can know."""
    published: dict[tuple, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    tables = []
    for counts in small_tables(size, largest_total):
        table = protect_counts(counts)
        tables.append(table)
        key = (tuple(table.cells.items()), table.total)
        for name, cell in table.cells.items():
            if cell.value is None:
                published[key][name].add(counts[name])
        if table.total.value is not None:
            assert sum(cell.value is None for cell in table.cells.values()) != 1
            for least, most in arithmetic_bounds(table).values():
                assert least <= 1 and most >= 4
    for table in tables:
        for values in published[(tuple(table.cells.items()), table.total)].values():
            assert len(values) > 1


def test_a_year_of_fewer_than_5_requests_shows_no_breakdown():
    table = protect_counts({"002": 0, "019": 3, "150": 0})
    assert table.total == Cell(None, FEWER_THAN_5)
    assert all(cell == Cell(None, FEWER_THAN_5) for cell in table.cells.values())


def test_a_table_without_a_published_total_withholds_only_small_counts():
    table = protect_counts({"harassment": 3, "doxxing": 0, "threats": 8}, total_published=False)
    assert table.cells == {
        "harassment": Cell(None, FEWER_THAN_5),
        "doxxing": Cell(0),
        "threats": Cell(8),
    }
    assert table.total is None


def test_nothing_small_nothing_withheld():
    assert protect_counts({"a": 0, "b": 5, "c": 12}) == Table(
        {"a": Cell(0), "b": Cell(5), "c": Cell(12)}, Cell(17)
    )
    assert protect_counts({"a": 0}) == Table({"a": Cell(0)}, Cell(0))


def test_a_count_equal_to_one_withheld_is_withheld_too():
    """Else a reader would know the withheld one came first in key order, and so no larger
    than the shown one: the result depends on the counts only, in any order."""
    one = protect_counts({"b": 9, "a": 9, "c": 3, "d": 20, "e": 30})
    other = protect_counts({"e": 30, "d": 20, "c": 3, "a": 9, "b": 9})
    assert list(one.cells) == ["b", "a", "c", "d", "e"]
    assert one.cells == other.cells
    assert [one.cells[key].value for key in "abcde"] == [None, None, None, 20, 30]


def test_a_negative_count_is_a_mistake():
    with pytest.raises(ValueError):
        protect_counts({"a": -1, "b": 6})


# Money: category -> case -> cents.


def cases(first: int, count: int, cents: int = 100_00) -> dict[int, int]:
    return {case: cents for case in range(first, first + count)}


def test_small_categories_go_into_other_and_other_small_is_withheld_with_another():
    spent = {
        "legal_fees": cases(1, 8, 2500_00),
        "court_costs": cases(1, 5, 300_00),
        "expert_fees": cases(20, 6, 50_00),  # more cases than court costs, less money
        "translation": cases(30, 2),
        "other_costs": cases(40, 1),
    }
    table = protect_money(spent)
    assert list(table.categories) == ["legal_fees", "court_costs", "expert_fees"]
    assert table.categories["legal_fees"] == Cell(8 * 2500_00)
    assert table.categories["expert_fees"] == Cell(6 * 50_00)
    # Other covers 3 cases: withheld, and with it the category of fewest cases, not of least
    # money, so the choice tells nothing of any amount.
    assert table.other == Cell(None, WITHHELD)
    assert table.categories["court_costs"] == Cell(None, WITHHELD)
    assert table.total == Cell(sum(sum(c.values()) for c in spent.values()))


def test_other_is_counted_in_cases_not_categories():
    one_case = {f"category_{n}": {7: 10_00} for n in range(5)}
    table = protect_money({"legal_fees": cases(1, 6), **one_case})
    assert table.other == Cell(None, WITHHELD)
    assert table.categories["legal_fees"] == Cell(None, WITHHELD)
    several = protect_money({"legal_fees": cases(1, 6), "a": cases(10, 2), "b": cases(20, 3)})
    assert several.other == Cell(5 * 100_00)


def test_money_of_fewer_than_5_cases_is_not_shown_at_all():
    table = protect_money({"legal_fees": cases(1, 3), "court_costs": cases(2, 3)})
    assert table.categories == {}
    assert table.other == table.total == Cell(None, FEWER_THAN_5)
    assert protect_money({}).total == Cell(0)


CATEGORIES = ("legal_fees", "court_costs", "translation")


@pytest.mark.parametrize("sizes", list(product((0, 1, 3, 5, 7), (0, 2, 4, 6), (0, 1, 5))))
def test_money_adds_up_and_no_small_category_shows(sizes):
    """Three categories of disjoint cases, of every mix of sizes around 5."""
    spent = {
        name: cases(100 * n, size, 10_00 * (n + 1))
        for n, (name, size) in enumerate(zip(CATEGORIES, sizes, strict=True))
    }
    table = protect_money(spent)
    every = sum(sum(c.values()) for c in spent.values())
    if sum(sizes) < 5 and sum(sizes):
        assert table.total.value is None
        return
    assert table.total == Cell(every)
    for name, cell in table.categories.items():
        assert len(spent[name]) >= 5
        # Withheld or shown, every category's money is in the total.
        assert cell.value in (None, sum(spent[name].values()))
    cells = [*table.categories.values(), table.other]
    withheld = [cell for cell in cells if cell.value is None]
    # One withheld amount would be the total minus the others; none, and they add up to it.
    assert len(withheld) != 1
    if not withheld:
        assert sum(cell.value for cell in cells) == every
    small = sum(size for size in sizes if size < 5)
    assert (table.other.value is None) == (0 < small < 5)


def test_medians_over_5_or_more_cases():
    assert median_days([1.0, 2.0, 30.0, 4.0]) == Cell(None, FEWER_THAN_5)
    assert median_days([]) == Cell(None, FEWER_THAN_5)
    assert median_days([0.5, 2.04, 30.0, 4.0, 1.0]) == Cell(2.0)
    assert median_days([1, 2, 3, 4, 5, 6]) == Cell(3.5)
