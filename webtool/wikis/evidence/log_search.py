"""Finding one log entry by its id, which the Action API cannot list by.

The API lists the log by time, then id, and not by id alone; but ids grow with time, so a
search over time finds it. A look at second S lists the entries from where entry `logid` would
be if it were filed at S (the API's continuation is "time|id"), so the look at its own second
finds it first. Only the entry's own answer is kept in the item; the looks are not evidence.
"""

from __future__ import annotations

from datetime import UTC, datetime

from webtool.wikis.evidence.asker import Asker, NotCaptured

LOG_PROPS = "ids|title|type|user|userid|timestamp|comment|details|tags"
LOG_PAGE = 500  # entries per look while searching the log (the API's limit without a bot flag)
LOG_LOOKS = 64  # looks at the log for one entry: enough to halve 30 years of seconds


def find_log_entry(asker: Asker, logid: int, page: int) -> dict:
    """Log entry `logid`, looking at `page` entries at a time; NotCaptured when it is not there.

    The search keeps the span of seconds (lo, hi] that holds the entry's time: a look that
    finds only older ids raises lo to its second; one that finds only newer ids lowers hi
    below its second, to the oldest of them. Every other look guesses between the nearest ids
    seen, as ids and time run; the others halve the span, so that a log of any age takes a
    bounded number of looks.
    """
    seen = _look(asker, logid, page, None)
    lo: int | None = None
    hi: int | None = None
    older = newer = None  # (second, id) of the nearest entries seen before and after it
    seen_at: int | None = None  # the second of the last look; None: the newest entries
    for step in range(LOG_LOOKS):
        match = [second for second, found in seen if found == logid]
        if match:
            return _exact_log_entry(asker, match[0], logid)
        before = [event for event in seen if event[1] < logid]
        after = [event for event in seen if event[1] > logid]
        if before and after:
            break  # a gap where it would be
        if after:
            if len(seen) < page:
                break  # older than the log's first entry
            hi, newer = after[-1][0], after[-1]
        elif seen_at is None:
            break  # newer than the newest entry
        else:
            lo, older = seen_at, (before[0] if before else older)
        if lo is None:
            first = _first_log_event(asker)
            if first[1] == logid:
                return _exact_log_entry(asker, first[0], logid)
            if first[1] > logid:
                break
            lo, older = first[0] - 1, first
        if hi is None or lo >= hi:
            break
        seen_at = (lo + hi + 1) // 2 if step % 2 else _guess(lo, hi, older, newer, logid)
        seen = _look(asker, logid, page, seen_at)
    raise NotCaptured("chldp-evidence-no-log-entry", str(logid), asker.wiki.dbname)


def _look(asker: Asker, logid: int, page: int, second: int | None) -> list[tuple[int, int]]:
    """(second, id) of up to `page` entries, newest first, at or before (second, logid)."""
    events = asker.peek(
        action="query",
        list="logevents",
        leprop="ids|timestamp",
        lelimit=page,
        ledir="older",
        lecontinue=None if second is None else f"{_compact(second)}|{logid}",
    )["query"]["logevents"]
    return [(_seconds(event["timestamp"]), event["logid"]) for event in events]


def _first_log_event(asker: Asker) -> tuple[int, int]:
    events = asker.peek(
        action="query",
        list="logevents",
        leprop="ids|timestamp",
        lelimit=1,
        ledir="newer",
    )["query"]["logevents"]
    return _seconds(events[0]["timestamp"]), events[0]["logid"]


def _guess(
    lo: int, hi: int, older: tuple[int, int] | None, newer: tuple[int, int] | None, logid: int
) -> int:
    """The second entry `logid` was most likely filed at, between the nearest entries seen."""
    if not older or not newer or newer[1] == older[1]:
        return (lo + hi + 1) // 2
    guess = older[0] + (newer[0] - older[0]) * (logid - older[1]) // (newer[1] - older[1])
    return min(max(guess, lo + 1), hi)


def _exact_log_entry(asker: Asker, second: int, logid: int) -> dict:
    events = asker.ask(
        action="query",
        list="logevents",
        leprop=LOG_PROPS,
        lelimit=1,
        ledir="older",
        lecontinue=f"{_compact(second)}|{logid}",
    )["query"]["logevents"]
    if not events or events[0]["logid"] != logid:
        raise NotCaptured("chldp-evidence-log-entry-changed", str(logid))
    return events[0]


def _seconds(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


def _compact(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y%m%d%H%M%S")
