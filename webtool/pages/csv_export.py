"""Every CSV the tool writes, made safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return as a formula
(CSV injection), and text in our CSVs comes from anyone: a requester's country, a looked-up
username. Following OWASP, such text is written with a single quote in front, which the
spreadsheet shows as text. Numbers the tool computes itself (an int, a Decimal) are not text
anyone typed, so they are written as they are: a negative amount stays a number to add up.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """`value` as it goes into a CSV: text that a spreadsheet would run gets a quote first."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_download(filename: str, header: list[str], rows: Iterable[Iterable[object]]) -> Response:
    """A CSV file to download: the header, then each row, every cell through `cell`. Written
    as `rows` are read (with the request's context, which reading them needs), so a long one
    is never held whole."""

    def lines() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        header_row: list[object] = list(header)
        cells = ([cell(value) for value in row] for row in rows)
        for line in itertools.chain([header_row], cells):
            writer.writerow(line)
            yield out.getvalue()
            out.seek(0)
            out.truncate()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
