"""The world region of a requester's country, for the program's yearly report.

The report counts requests by region, never by country: in a program of a few dozen requests a
year, a country is often one person. Regions are the five of the UN's M49 standard (Africa,
Americas, Asia, Europe, Oceania), the level statistical offices publish at; M49's sub-regions
(such as Latin America and the Caribbean, or Western Europe) would leave most cells under 5, to
be withheld (program/disclosure.py), and tell the reader less, not more.

Which country is in which region comes from CLDR's territory containment, which Babel, the
source of the form's country names, does not ship: data/, copied from the npm package
`cldr-core` by bin/bootstrap and committed, as the Build Service runs no npm. Only its M49 tree
counts: areas with a three-digit code. Its other entries are CLDR's own: groupings across that
tree (the European Union, the euro area, the United Nations, Latin America), deprecated codes,
and "Outlying Oceania" (QO), where CLDR puts Antarctica and remote islands. They would count a
country twice, or in a region M49 does not have.

A request with no country ("ZZ": the requester preferred not to say), one stored as typed before
the form listed countries, or Antarctica (AQ: a continent M49 places in no region) counts as
UNKNOWN.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

CONTAINMENT_FILE = Path(__file__).parent / "data" / "territoryContainment.json"
UNKNOWN = "unknown"
# The report's regions in M49's order: code -> English name. The page names each through the
# message `chldp-region-<code>`.
REGIONS: dict[str, str] = {
    "002": "Africa",
    "019": "Americas",
    "142": "Asia",
    "150": "Europe",
    "009": "Oceania",
    UNKNOWN: "Unknown",
}


def region_of(country: str | None) -> str:
    """The region (a key of REGIONS) of an ISO 3166-1 alpha-2 code as requests store it."""
    return _region_by_country().get(country or "", UNKNOWN)


@cache
def _region_by_country() -> dict[str, str]:
    """Every two-letter code in CLDR's M49 tree, with the region above it."""
    data = json.loads(CONTAINMENT_FILE.read_text(encoding="utf-8"))
    containment = data["supplemental"]["territoryContainment"]
    parent = {}
    for area, entry in containment.items():
        if area.isdigit() and entry.get("_grouping") != "true":
            for member in entry["_contains"]:
                parent[member] = area
    found = {}
    # Two letters that contain others (QO) name a group, not a country.
    for code in parent.keys() - containment.keys():
        area = code
        while area in parent and area not in REGIONS:
            area = parent[area]
        if area in REGIONS:
            found[code] = area
    return found
