"""What assistance may pay for, and the fund's arithmetic: exact decimals, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml

from program.refusal import Refused, word

RULES_FILE = Path(__file__).with_name("assistance.yaml")
CENT = Decimal("0.01")
# The most one ledger entry may hold. The ledger keeps cents in a signed 64-bit column and adds
# them up; a trillion is beyond any fund in any currency, and 92,000 entries of it still add up
# inside the column.
LARGEST_AMOUNT = Decimal("1000000000000.00")


@dataclass(frozen=True)
class Categories:
    payable: dict[str, str]
    never_payable: dict[str, str]

    def check(self, category: str) -> str:
        """The category's label when the program may pay for it, else Refused."""
        if category in self.never_payable:
            label = word(f"chldp-staff-category-{category}", self.never_payable[category])
            raise Refused("chldp-refused-never-paid", label)
        if category not in self.payable:
            raise Refused("chldp-refused-category", category)
        return self.payable[category]


@cache
def load_categories(path: Path = RULES_FILE) -> Categories:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Categories(dict(data["payable"]), dict(data["never_payable"]))


def parse_amount(text: str) -> Decimal:
    """A positive amount with at most two decimals, exactly; else Refused."""
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise Refused("chldp-refused-amount-not-money", text) from None
    if not amount.is_finite() or amount <= 0:
        raise Refused("chldp-refused-amount-not-positive")
    # Before rounding: rounding an amount of more digits than Decimal keeps fails. The largest
    # is written as amounts are typed here (commas, a point), in every language.
    if amount > LARGEST_AMOUNT:
        raise Refused("chldp-refused-amount-too-large", f"{LARGEST_AMOUNT:,}")
    if amount != amount.quantize(CENT):
        raise Refused("chldp-refused-amount-decimals")
    return amount.quantize(CENT)
