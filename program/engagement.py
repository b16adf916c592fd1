"""The rules the engagement report applies, read from engagement.yaml (no I/O beyond that)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).with_name("engagement.yaml")


@dataclass(frozen=True)
class EditingLabel:
    label: str
    min_edits: int = 0
    min_years: float = 0
    min_recent_edits: int = 0

    def fits(self, edits: int, years: float, recent_edits: int) -> bool:
        return (
            edits >= self.min_edits
            and years >= self.min_years
            and recent_edits >= self.min_recent_edits
        )


@dataclass(frozen=True)
class EngagementRules:
    editing_labels: tuple[EditingLabel, ...]
    recent_days: int
    activity_wikis: int
    former_role_wikis: int
    roles: dict[str, str]

    def editing_label(self, edits: int, years: float, recent_edits: int) -> str | None:
        """The first label whose minimums the account meets, or None."""
        for candidate in self.editing_labels:
            if candidate.fits(edits, years, recent_edits):
                return candidate.label
        return None

    def role_name(self, group: str) -> str:
        return self.roles.get(group, group)


@cache
def load_rules(path: Path = RULES_FILE) -> EngagementRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return EngagementRules(
        editing_labels=tuple(EditingLabel(**entry) for entry in data["editing_labels"]),
        recent_days=int(data["recent_days"]),
        activity_wikis=int(data["activity_wikis"]),
        former_role_wikis=int(data["former_role_wikis"]),
        roles=dict(data["roles"]),
    )
