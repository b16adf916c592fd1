"""The program's current status, read from the web tool's `GET /api/v1/program-status`.

The tool answers `{"status": "open" | "paused" | "closed", "message": "..."}`. When it cannot
be reached or answers something else, the status is unknown for this run: the bot says so
and the pages keep the status they last published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from program.content import PROGRAM_STATUSES

TIMEOUT_SECONDS = 10
MESSAGE_LIMIT = 500


@dataclass(frozen=True)
class ProgramStatus:
    """Whether the program takes requests, and the staff's public message about it."""

    status: str
    message: str = ""


@dataclass(frozen=True)
class StatusReading:
    """The outcome of asking the web tool: a status, or a sentence saying why there is none."""

    status: ProgramStatus | None
    problem: str | None = None


def read_status(url: str | None, user_agent: str) -> StatusReading:
    """Ask the web tool at `url` for the program's status."""
    if not url:
        return StatusReading(None, "No program-status URL is configured (CHLDP_STATUS_URL).")
    try:
        reply = requests.get(
            url,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
        )
        reply.raise_for_status()
        return StatusReading(parse_status(reply.json()))
    except requests.ConnectionError:
        return StatusReading(None, f"The web tool at {url} could not be reached.")
    except requests.RequestException as error:
        return StatusReading(None, f"The program status could not be read from {url}: {error}.")
    except ValueError as error:
        return StatusReading(None, f"The program status at {url} is not usable: {error}.")


def parse_status(data: Any) -> ProgramStatus:
    """The status in the endpoint's JSON; ValueError names what is wrong with it."""
    if not isinstance(data, dict):
        raise ValueError("the answer is not a JSON object")
    status = data.get("status")
    if status not in PROGRAM_STATUSES:
        raise ValueError(f"the status {status!r} is not one of {', '.join(PROGRAM_STATUSES)}")
    message = data.get("message") or ""
    if not isinstance(message, str) or len(message) > MESSAGE_LIMIT:
        raise ValueError(f"the message must be a text of at most {MESSAGE_LIMIT} characters")
    return ProgramStatus(status, message)
