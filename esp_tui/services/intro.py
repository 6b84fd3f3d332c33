"""The Day-1 intro (`D`), kept in the database per cohort: the timer's start and the resources
ticked survive a restart of the app, and each cohort has its own (storage/intro.py). Every
change is one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from storage import intro as store


@dataclass(frozen=True)
class Intro:
    """The intro of the cohort the connection works on: when its timer started (None: never
    opened) and the titles of the resources ticked."""

    started_at: datetime | None
    ticked: frozenset[str]


def load_intro(db: Database) -> Intro:
    return Intro(store.started_at(db), frozenset(store.ticked(db)))


def start_intro(db: Database, now: datetime) -> datetime:
    """The timer's start, set to `now` the first time the intro opens (kept after that)."""
    with db.atomic():
        started = store.started_at(db)
        if started is None:
            store.set_started(db, now)
            started = store.started_at(db)
    assert started is not None  # written just above, in this transaction
    return started


def restart_timer(db: Database, now: datetime) -> datetime:
    """`t`: the timer starts again at `now`."""
    with db.atomic():
        store.set_started(db, now)
        started = store.started_at(db)
    assert started is not None
    return started


def toggle_tick(db: Database, resource: str, now: datetime) -> bool:
    """Tick a resource, or untick it when it was ticked; returns whether it is ticked now."""
    with db.atomic():
        on = resource not in store.ticked(db)
        store.set_ticked(db, resource, on, now)
    return on
