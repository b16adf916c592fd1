"""What assistance may pay for, and the fund's arithmetic: exact decimals, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).with_name("assistance.yaml")
CENT = Decimal("0.01")
# The most one ledger entry may hold. The ledger keeps cents in a signed 64-bit column and adds
# them up; a trillion is beyond any fund in any currency, and 92,000 entries of it still add up
# inside the column.
LARGEST_AMOUNT = Decimal("1000000000000.00")


class NotPayable(ValueError):
    """The program never pays for this; the message says why."""


@dataclass(frozen=True)
class Categories:
    payable: dict[str, str]
    never_payable: dict[str, str]

    def check(self, category: str) -> str:
        """The category's label when the program may pay for it, else NotPayable."""
        if category in self.never_payable:
            raise NotPayable(
                f"The program never pays {self.never_payable[category].lower()}: "
                "assistance does not include fines or damages, including an award of the "
                "other side's attorney's fees."
            )
        if category not in self.payable:
            raise NotPayable(f"{category!r} is not a category of costs the program knows.")
        return self.payable[category]


@cache
def load_categories(path: Path = RULES_FILE) -> Categories:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Categories(dict(data["payable"]), dict(data["never_payable"]))


def parse_amount(text: str) -> Decimal:
    """A positive amount with at most two decimals, exactly; ValueError with a sentence."""
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount of money.") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("An amount must be more than zero.")
    # Before rounding: rounding an amount of more digits than Decimal keeps fails.
    if amount > LARGEST_AMOUNT:
        raise ValueError(f"An amount is at most {LARGEST_AMOUNT:,}.")
    if amount != amount.quantize(CENT):
        raise ValueError("An amount has at most two decimals.")
    return amount.quantize(CENT)
