"""Block history: every block the block logs of the wikis read closely tell of (placed,
changed, lifted or run out), the global account's locks and unlocks from Meta's log, and which
block was the longest and which the most recent.

A `block` entry says when a block was placed, by whom, how wide and until when; a `reblock`
entry sets those again for the same block; an `unblock` entry lifts it. A block that runs out
leaves no entry: its end is the expiry its latest entry set. Since MediaWiki 1.42 an account
may be under several blocks at once (multiblocks), and each entry names its block (`blockId`);
entries written before then name none, and are about the one block an account could have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from webtool.wikis.api import Listing
from webtool.wikis.engagement.report import Finding, WikiEdits, link
from webtool.wikis.engagement.restrictions import restricted_to

KIND = "block_history"


@dataclass
class PastBlock:
    """One block on one wiki as its log tells it."""

    wiki: WikiEdits
    settings: list[dict]  # the entries that placed it and changed it, oldest first
    lifted: dict | None = None  # the entry that lifted it
    end: str | None = None  # when it stopped applying; None while it is in force
    ran_out: bool = False

    @property
    def start(self) -> str:
        return str(self.settings[0]["timestamp"])

    @property
    def expiry(self) -> str | None:
        """The end its latest entry set; None for none."""
        return _expiry(self.settings[-1])

    @property
    def until(self) -> str | None:
        """When it stopped applying, or will: None for a block in force with no end."""
        return self.end or self.expiry


@dataclass
class WikiBlocks:
    """What one wiki's block log tells: its blocks, and the entries that lifted a block the
    log does not show placed (placed before the log was kept, or under an entry hidden)."""

    blocks: list[PastBlock] = field(default_factory=list)
    stray_lifts: list[dict] = field(default_factory=list)


def block_history_findings(
    wikis: list[WikiEdits],
    block_logs: dict[str, Listing],
    steward_logs: list[Listing],
    name: str,
    meta_url: str,
    now: datetime,
) -> list[Finding]:
    """The longest and the most recent block first, then each block, change, lift, lock and
    unlock in the order they happened; and which logs were cut short."""
    moment = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    blocks: list[PastBlock] = []
    history: list[Finding] = []
    cut: list[Finding] = []
    for wiki in wikis:
        log = block_logs.get(wiki.wiki)
        if log is None:
            continue
        read = _read(wiki, log.items, moment)
        blocks += read.blocks
        namespaces = log.first.get("query", {}).get("namespaces", {})
        for block in read.blocks:
            history += _block(block, namespaces)
        history += [_lifted(wiki, entry) for entry in read.stray_lifts]
        if not log.complete:
            cut.append(
                Finding(
                    KIND,
                    wiki.wiki,
                    link(wiki.url, "Special:Log/block", page=f"User:{name}"),
                    "chldp-finding-block-log-cut",
                    [wiki.wiki],
                    partial=True,
                )
            )
    history += _locks(steward_logs, meta_url)
    if not all(log.complete for log in steward_logs):
        cut.append(
            Finding(
                KIND,
                "global",
                link(meta_url, "Special:Log/globalauth", page=f"User:{name}@global"),
                "chldp-finding-lock-log-cut",
                [],
                partial=True,
            )
        )
    # Sorted stably: what happened in the same second keeps the order the logs gave it.
    history.sort(key=lambda finding: finding.start or "")
    return _summary(blocks) + history + cut


def _read(wiki: WikiEdits, entries: list[dict], now: str) -> WikiBlocks:
    """The blocks a wiki's block log tells of, each with how it ended by `now`."""
    read = WikiBlocks()
    in_force: dict[int | None, PastBlock] = {}  # by the block's id; None before ids were given

    def run_out(before: str) -> None:
        for key, block in list(in_force.items()):
            expiry = block.expiry
            if expiry and expiry <= before:
                block.end, block.ran_out = expiry, True
                del in_force[key]

    for entry in sorted(entries, key=lambda e: e["timestamp"]):
        run_out(entry["timestamp"])
        key = entry.get("params", {}).get("blockId")
        action = entry.get("action")
        if action == "block":
            replaced = in_force.pop(key, None)
            if replaced:  # one block an account could have: a new one ended the one before
                replaced.end = entry["timestamp"]
            in_force[key] = PastBlock(wiki, [entry])
            read.blocks.append(in_force[key])
        elif action == "reblock":
            block = _taken(in_force, key)
            if block:
                block.settings.append(entry)
            else:  # its block was placed before what the log shows
                block = PastBlock(wiki, [entry])
                read.blocks.append(block)
            in_force[key] = block
        elif action == "unblock":
            block = _taken(in_force, key)
            if block:
                block.lifted, block.end = entry, entry["timestamp"]
            else:
                read.stray_lifts.append(entry)
    run_out(now)
    return read


def _taken(in_force: dict[int | None, PastBlock], key: int | None) -> PastBlock | None:
    """Out of the blocks in force, the one an entry changing or lifting a block is about: the
    block with its id; else one placed before blocks had ids; else, for an entry naming no
    block, the only one in force."""
    if key in in_force:
        return in_force.pop(key)
    if None in in_force:
        return in_force.pop(None)
    if key is None and len(in_force) == 1:
        return in_force.popitem()[1]
    return None


def _block(block: PastBlock, namespaces: dict) -> list[Finding]:
    """A finding for each entry that placed or changed the block, and for the one that lifted
    it. Each says what its own entry says, so its link shows it; the last one set, of a block
    that ran out, says so."""
    findings = []
    for n, entry in enumerate(block.settings):
        last = n == len(block.settings) - 1
        ends = block.until if last else block.settings[n + 1]["timestamp"]
        expiry = _expiry(entry)
        params = entry.get("params", {})
        # chldp-finding-block-history, -history-ran-out, -history-indefinite, and
        # chldp-finding-block-changed, -changed-ran-out, -changed-indefinite.
        message = "chldp-finding-block-" + ("history" if entry["action"] == "block" else "changed")
        if expiry is None:
            message += "-indefinite"
        elif last and block.ran_out:
            message += "-ran-out"
        findings.append(
            Finding(
                KIND,
                block.wiki.wiki,
                _entry_link(block.wiki.url, entry),
                message,
                [
                    block.wiki.wiki,
                    _who(entry),
                    entry["timestamp"][:10],
                    _scope(params, namespaces),
                    *([expiry[:10]] if expiry else []),
                    entry.get("comment") or "—",
                ],
                start=entry["timestamp"],
                end=ends,
            )
        )
    if block.lifted:
        findings.append(_lifted(block.wiki, block.lifted))
    return findings


def _lifted(wiki: WikiEdits, entry: dict) -> Finding:
    return Finding(
        KIND,
        wiki.wiki,
        _entry_link(wiki.url, entry),
        "chldp-finding-block-lifted",
        [wiki.wiki, _who(entry), entry["timestamp"][:10], entry.get("comment") or "—"],
        start=entry["timestamp"],
    )


def _summary(blocks: list[PastBlock]) -> list[Finding]:
    """The block that held the account longest (a block in force with no end holds it
    longest), and the one placed last."""
    if not blocks:
        return []
    longest = max(blocks, key=_held_for)
    until = longest.until
    if until:
        message, params = "chldp-finding-longest-block", [until[:10]]
    else:
        message, params = "chldp-finding-longest-block-indefinite", []
    latest = max(blocks, key=lambda block: block.start)
    return [
        Finding(
            KIND,
            longest.wiki.wiki,
            _entry_link(longest.wiki.url, longest.settings[0]),
            message,
            [longest.wiki.wiki, longest.start[:10], *params],
            start=longest.start,
            end=until,
        ),
        Finding(
            KIND,
            latest.wiki.wiki,
            _entry_link(latest.wiki.url, latest.settings[0]),
            "chldp-finding-latest-block",
            [latest.wiki.wiki, _who(latest.settings[0]), latest.start[:10]],
            start=latest.start,
            end=latest.until,
        ),
    ]


def _held_for(block: PastBlock) -> float:
    """Seconds from the block's start to its end, lifted, run out or to come."""
    until = block.until
    if until is None:
        return float("inf")
    return (_moment(until) - _moment(block.start)).total_seconds()


def _locks(steward_logs: list[Listing], meta_url: str) -> list[Finding]:
    """Each lock and unlock of the global account in Meta's log (`globalauth` entries that add
    or remove the status "locked")."""
    findings = []
    for log in steward_logs:
        for entry in log.items:
            if entry.get("type") != "globalauth":
                continue
            params = entry.get("params", {})
            for change, message in (
                ("added", "chldp-finding-global-lock"),
                ("removed", "chldp-finding-global-unlock"),
            ):
                if "locked" in params.get(change, []):
                    findings.append(
                        Finding(
                            KIND,
                            "global",
                            _entry_link(meta_url, entry),
                            message,
                            [_who(entry), entry["timestamp"][:10], entry.get("comment") or "—"],
                            start=entry["timestamp"],
                        )
                    )
    return findings


def _scope(params: dict, namespaces: dict) -> dict:
    """Sitewide, or the pages and namespaces a partial block covers, as a message param.
    Entries from before partial blocks say nothing of it: they were sitewide."""
    if params.get("sitewide", True):
        return {"message": "chldp-block-sitewide"}
    restrictions = params.get("restrictions", {})
    pages = [p["page_title"] for p in restrictions.get("pages", [])]
    return {
        "message": "chldp-block-partial",
        "params": restricted_to(pages, restrictions.get("namespaces", []), namespaces),
    }


def _expiry(entry: dict) -> str | None:
    """The end a block or reblock entry set: the API gives `expiry` for every duration but
    "infinity"."""
    expiry = entry.get("params", {}).get("expiry")
    return str(expiry) if expiry else None


def _who(entry: dict) -> str:
    """Who made the entry; a dash where the name was hidden from the public."""
    return str(entry.get("user") or "—")


def _entry_link(server: str, entry: dict) -> str:
    return link(server, "Special:Log", logid=str(entry["logid"]))


def _moment(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
