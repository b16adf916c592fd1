"""Background work on a task queue (Huey), run by a worker process beside the web tool:
`flask --app webtool worker` on a laptop (bin/run starts it) and as a continuous job on
Toolforge (deploy/jobs.yaml).

Where the queue is kept: in a SQLite file in the instance folder on a laptop, so nothing more
needs installing, and in Toolforge's Redis in production, which every tool can read and write.
There every key begins with the secret CHLDP_REDIS_PREFIX, and every message is sealed with
the encryption keys: a message planted by someone else cannot be opened, so it is dropped
before it is unpickled, and none is readable. A message holds a task's name and ids only; what
a task makes (a bundle, a report) goes to the database, sealed.

A task that fails in a way that may pass (a wiki busy, a database away) is tried again later;
one that keeps failing ends with a sentence for the person who asked.

Redis may lose a message (Toolforge's is shared, and evicts keys when it is full): the
database says what should be running, and the worker's sweep (sweep.py) queues again what
waits with nobody working on it. A page whose task cannot be queued says the work will start
by itself, and the sweep queues it.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

from cryptography.fernet import InvalidToken
from flask import Flask
from huey import Huey, SqliteHuey
from huey.api import Task, TaskWrapper
from huey.exceptions import RetryTask
from huey.serializer import Serializer
from huey.storage import RedisStorage
from redis import RedisError

from webtool.infra.crypto import Sealer

# Tasks tried again at most this many times: after 20 s, then 40 s, then 80 s.
RETRIES = 3
RETRY_DELAY = 20
RETRY_BACKOFF = 2

P = ParamSpec("P")
R = TypeVar("R")


class SealedSerializer(Serializer):
    """Messages sealed with Fernet: authenticated before anything is unpickled."""

    def __init__(self, sealer: Sealer) -> None:
        super().__init__()
        self.sealer = sealer

    def _serialize(self, data: object) -> bytes:
        return self.sealer.seal_bytes(pickle.dumps(data)).encode("ascii")

    def _deserialize(self, data: bytes) -> object:
        # InvalidToken for anything the tool did not seal: the worker logs it and goes on.
        try:
            token = data.decode("ascii")
        except UnicodeDecodeError:
            raise InvalidToken from None
        return pickle.loads(self.sealer.open_bytes(token))


class PrefixedRedisStorage(RedisStorage):
    """Huey's Redis storage with every key under the tool's secret prefix."""

    def __init__(self, name: str, prefix: str, **kwargs: object) -> None:
        super().__init__(name=name, **kwargs)
        self.queue_key = f"{prefix}tasks:queue"
        self.schedule_key = f"{prefix}tasks:schedule"
        self.result_key = f"{prefix}tasks:results"
        self.counter_key = f"{prefix}tasks:counters"
        self.notify_prefix = f"{prefix}tasks:notify:"


def make_queue(config: Mapping[str, Any], instance_path: str, sealer: Sealer) -> Huey:
    """The app's queue; TASKS_IMMEDIATE runs each task at once, in the caller (tests)."""
    options = {"results": False, "utc": True, "serializer": SealedSerializer(sealer)}
    if config.get("TASKS_IMMEDIATE"):
        return Huey("chldp", immediate=True, **options)
    if config["REDIS_URL"]:
        return Huey(
            "chldp",
            storage_class=PrefixedRedisStorage,
            prefix=config["REDIS_PREFIX"],
            url=config["REDIS_URL"],
            **options,
        )
    queue_file = Path(instance_path) / "tasks.sqlite"
    queue_file.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("chldp", filename=str(queue_file), **options)


def run_in(app: Flask, function: Callable[P, R], module: str) -> Callable[P, R]:
    """`function` run inside the app's context, as a task needs its database and settings,
    under the name `module` gives it (see `retried_task`)."""

    def in_app(*args: P.args, **kwargs: P.kwargs) -> R:
        with app.app_context():
            return function(*args, **kwargs)

    in_app.__name__ = function.__name__
    in_app.__qualname__ = function.__qualname__
    in_app.__module__ = module
    return in_app


def retried_task(
    app: Flask,
    queue: Huey,
    registered_as: str,
    function: Callable[..., object],
    context: bool = False,
) -> TaskWrapper:
    """`function` as a task of `queue` run in `app`, tried RETRIES times more, with longer and
    longer waits, while what it needs (a wiki, the mail relay) does not answer; `context`
    hands it the task, to see how many tries are left.

    `registered_as` ("module.name") is the name a queued message carries and a worker looks
    up: it is fixed here, apart from where the function lives, so that messages queued before
    a deploy that moved the code still find their task after it."""
    module, _, name = registered_as.rpartition(".")
    return queue.task(
        retries=RETRIES,
        retry_delay=RETRY_DELAY,
        retry_backoff=RETRY_BACKOFF,
        context=context,
        name=name,
    )(run_in(app, function, module))


def try_again_later(task: Task) -> NoReturn:
    """Ends this try of `task`: the queue runs it again after its next wait, one try fewer.
    The queue logs it in one line, without a traceback: what failed would carry what the task
    worked on (a username in a URL's query), and the task has said what failed already."""
    # Huey gives a try back for RetryTask and takes one for running it again: one fewer here.
    task.retries -= 1
    raise RetryTask()


def enqueued(task: TaskWrapper, *args: object) -> bool:
    """Put `task(*args)` on the queue; False when the queue does not take it (Redis away,
    full or refusing), logged without the arguments. What the task would work on is already
    in the database, so the sweep queues it later."""
    try:
        task(*args)
    except (RedisError, sqlite3.Error, OSError) as error:
        logging.getLogger(__name__).warning(
            "the queue did not take a %s task: %s", task.name, type(error).__name__
        )
        return False
    return True


def run_worker(queue: Huey, workers: int) -> None:
    """Run the queue's tasks until stopped (SIGINT finishes what is running, SIGTERM stops at
    once; a capture cut off either way is taken up again by the sweep)."""
    # The worker's log is its standard error: Toolforge keeps it with the job.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    queue.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=False,  # what recurs is the sweep's, which needs nothing from Redis
        initial_delay=0.1,
        max_delay=1.0,
        check_worker_health=True,
    ).run()
