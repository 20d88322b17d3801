"""The centre as the core sees it: its config, calendar, clock and routing policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import InitVar, dataclass, field
from typing import TYPE_CHECKING

from routing.calendar import Calendar
from routing.clock import Clock, SystemClock
from routing.config import CentreConfig
from routing.policies import policy_for
from routing.router import Policy

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

    def __post_init__(self, with_policy: Policy | None) -> None:
        object.__setattr__(self, "calendar", Calendar(self.config.centre))
        object.__setattr__(self, "policy", with_policy or policy_for(self.config))

    @property
    def code(self) -> str:
        return self.config.centre.code
