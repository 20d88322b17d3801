"""The centre as the core sees it: its config, calendar, clock and routing policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import InitVar, dataclass, field
from typing import TYPE_CHECKING

from routing.calendar import Calendar
from routing.clock import Clock, SystemClock
from routing.config import CentreConfig, Counter
from routing.policies import policy_for
from routing.router import Policy, Seat
from routing.store.models import Staff

if TYPE_CHECKING:
    from routing.forecast import Trace


@dataclass(frozen=True)
class Centre:
    """Everything an operation needs besides the store, passed explicitly."""

    config: CentreConfig
    clock: Clock = field(default_factory=SystemClock)
    calendar: Calendar = field(init=False)
    policy: Policy = field(init=False)
    #: a policy other than the one the config names (the simulator compares variants)
    with_policy: InitVar[Policy | None] = None
    #: per (service, local day), when each counter serving it stops for the day; kept by
    #: `routing.estimates`, which reads it on every ticket issued
    closings: dict[tuple[str, dt.date], tuple[dt.datetime, ...]] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )
    #: the wait estimate's latest replay, by local day; kept by `routing.forecast`
    traces: dict[dt.date, Trace] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )
    #: per counter id, the seat last made of it: (skills, languages, seat); see `seat`
    seats: dict[int, tuple[list[str], list[str], Seat]] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self, with_policy: Policy | None) -> None:
        object.__setattr__(self, "calendar", Calendar(self.config.centre))
        object.__setattr__(self, "policy", with_policy or policy_for(self.config))

    @property
    def code(self) -> str:
        return self.config.centre.code

    def seat(self, counter: Counter, staff: Staff) -> Seat:
        """`Seat.of(counter, staff)`, made again only when someone of other skills or
        languages sits there: every call asks for its seat, and the wait estimate for every
        counter's on every ticket."""
        kept = self.seats.get(counter.id)
        skills, languages = staff.services, staff.languages
        if kept is not None and kept[0] == skills and kept[1] == languages:
            return kept[2]
        seat = Seat.of(counter, staff)
        self.seats[counter.id] = (list(skills), list(languages), seat)
        return seat
