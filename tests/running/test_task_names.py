"""The names Huey registers each task under are the names every queued message carries: a
worker reads the name from the message and looks the task up by it. They must not change when
code moves, or messages waiting in Redis during a deploy would find no task after it."""

from __future__ import annotations

import pytest
from huey.registry import Message

# As they were when each task was first queued; never to be changed.
NAMES = {
    "capture": "webtool.evidence.store.capture",
    "gather_engagement": "webtool.engagement_view.gather_engagement",
    "send_mail": "webtool.notifications.send-mail",
}


@pytest.mark.no_farm
def test_every_task_is_registered_under_its_first_name(queued_app):
    queue, tasks = queued_app.services.queue, queued_app.services.tasks
    registry = queue._registry  # what the worker looks a message's name up in
    assert set(registry._registry) == set(NAMES.values())
    for field, name in NAMES.items():
        assert registry.task_to_string(getattr(tasks, field).task_class) == name


@pytest.mark.no_farm
def test_a_message_queued_under_a_first_name_finds_its_task(queued_app):
    queue, tasks = queued_app.services.queue, queued_app.services.tasks
    for field, name in NAMES.items():
        fields = dict.fromkeys(Message._fields) | {"id": "1", "name": name, "args": (1,)}
        fields |= {"kwargs": {}, "retries": 0, "retry_delay": 0}
        task = queue._registry.create_task(Message(**fields))
        assert isinstance(task, getattr(tasks, field).task_class)
