"""A worker of the web tool for the tests, in a process of its own so a test can kill it:
`python tests/support/worker_process.py SETTINGS_JSON INSTANCE_PATH THREADS`. The settings are
create_app's overrides; those that are spans of time are given in seconds."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

from webtool.app import create_app
from webtool.infra.config import api_settings, smtp_settings
from webtool.infra.tasks import run_worker

SPANS = (
    "CAPTURE_HEARTBEAT",
    "CAPTURE_TAKEN_UP_AFTER",
    "API_SLOT_LEASE",
    "SWEEP_EVERY",
    "TASKS_TAKEN_UP_AFTER",
)


def main(settings_json: str, instance: str, threads: str) -> None:
    settings = json.loads(settings_json)
    for name in SPANS:
        if name in settings:
            settings[name] = timedelta(seconds=settings[name])
    if "API" in settings:
        settings["API"] = api_settings(settings["API"])
    if "SMTP" in settings:
        settings["SMTP"] = smtp_settings(settings["SMTP"])
    run_worker(create_app(settings, instance_path=instance).services.queue, int(threads))


if __name__ == "__main__":
    main(*sys.argv[1:])
