"""The action log: one JSON object per line on standard output, one line per action.

Each line has the time, the command, the event, the page when there is one, any other
facts, and a sentence for people. Diffs, prompts and Pywikibot's own messages go to standard
error, so standard output stays machine-readable.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO


class ActionLog:
    """Writes one line per action to a stream (standard output by default)."""

    def __init__(self, command: str, stream: TextIO | None = None) -> None:
        self.command = command
        self.stream = stream or sys.stdout

    def __call__(self, event: str, message: str, **facts: Any) -> None:
        record = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": self.command,
            "event": event,
            **facts,
            "message": message,
        }
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stream.flush()
