"""The running centre of this app, and transactions that publish their events on commit."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Response, after_this_request, current_app, has_request_context

from onestop import realtime
from onestop.db import Database
from onestop.notices import QueueNotices
from onestop.publisher import Publisher
from onestop.settings import Settings
from routing.centre import Centre
from routing.store.models import Event
from routing.store.sql import SqlStore

log = logging.getLogger(__name__)

#: where the app keeps its `Publisher`, when the live feed goes through Redis
PUBLISHER = "onestop.publisher"
#: where the app keeps its `QueueNotices`
NOTICES = "onestop.notices"


@dataclass
class OneStop:
    """What `create_app` keeps in `app.extensions['onestop']`."""

    settings: Settings
    centre: Centre
    db: Database
    kiosk_rate: int


def onestop() -> OneStop:
    return current_app.extensions["onestop"]


@contextmanager
def transaction() -> Iterator[SqlStore]:
    """A write transaction; its events go to the live feed once it has committed.

    Through Redis they go from the publisher's thread; otherwise, inside a request, once the
    answer has been sent: either way the agent who called sees the ticket without waiting for
    the fan-out to every display and phone.
    """
    state = onestop()
    with state.db.session(write=True) as session:
        store = SqlStore(session, state.centre.code)
        yield store
    if not store.events:
        return
    notices: QueueNotices = current_app.extensions[NOTICES]
    publisher: Publisher | None = current_app.extensions.get(PUBLISHER)
    if publisher is not None:
        publisher.submit(store.events)
        return
    if not has_request_context():
        _publish(state.centre, notices, store.events)
        return

    @after_this_request
    def publish_when_sent(response: Response) -> Response:
        response.call_on_close(lambda: _publish(state.centre, notices, store.events))
        return response


def _publish(centre: Centre, notices: QueueNotices, events: list[Event]) -> None:
    try:
        realtime.publish(centre, notices, events)
    except Exception:
        # The change has committed: a failing live feed must not turn it into an error.
        log.exception("could not publish %d event(s)", len(events))


@contextmanager
def read_store() -> Iterator[SqlStore]:
    """A read-only snapshot."""
    state = onestop()
    with state.db.session(write=False) as session:
        yield SqlStore(session, state.centre.code)
