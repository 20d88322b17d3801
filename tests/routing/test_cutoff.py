"""The kiosk stops issuing a service once a new visitor would not be called before closing."""

from __future__ import annotations

import datetime as dt

from freezegun import freeze_time
from sqlalchemy import select

from onestop.db import Database
from routing import estimates
from routing.centre import Centre
from routing.config import load_config
from routing.forecast import Newcomer, expected_calls
from routing.store.models import Refusal
from routing.store.sql import SqlStore
from routing.tickets import Refused, issue
from tests.factories.configs import REFERENCE_CONFIG, always_open


def test_cutoff_when_the_wait_would_run_past_the_last_call(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    db.upgrade()
    centre = Centre(load_config(REFERENCE_CONFIG))
    service = centre.config.service("job-seeker-registration")
    with freeze_time("2026-11-25 18:30:00"), db.session(write=True) as session:
        store = SqlStore(session, "lisboa")
        now = centre.clock.now()
        last_call = estimates.last_call(centre, service, now)
        assert last_call is not None and estimates.serving_counters(centre, service, now) >= 1
        issued = []
        for _ in range(200):
            # When the router, replayed from now, would call one more visitor.
            (expected,) = expected_calls(store, centre, [Newcomer(service)], now)
            result = issue(store, centre, service=service.code, language="pt")
            if isinstance(result, Refused):
                break
            assert expected < last_call
            issued.append(result)
        assert result.reason == "cutoff" and expected >= last_call
        assert result.retry_at == dt.datetime(2026, 11, 26, 8, 30, tzinfo=dt.UTC)
        # Ninety minutes of the counters that serve it: far more than one each.
        assert len(issued) > 2 * estimates.serving_counters(centre, service, now)
        reasons = session.execute(select(Refusal.reason, Refusal.service)).all()
        assert reasons == [("cutoff", "job-seeker-registration")]


def test_a_centre_open_around_the_clock_has_no_last_call(tmp_path) -> None:
    centre = Centre(load_config(always_open(tmp_path)))
    service = centre.config.service("job-seeker-registration")
    with freeze_time("2026-11-25 23:50:00"):
        assert estimates.last_call(centre, service, centre.clock.now()) is None
    reference = Centre(load_config(REFERENCE_CONFIG))
    with freeze_time("2026-11-25 19:50:00"):
        last = estimates.last_call(reference, service, reference.clock.now())
        assert last == dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.UTC)
