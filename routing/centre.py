"""The centre as the core sees it: its config, calendar, clock and routing policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from routing.calendar import Calendar
from routing.clock import Clock, SystemClock
from routing.config import CentreConfig
from routing.router import POLICIES, Policy


@dataclass(frozen=True)
class Centre:
    """Everything an operation needs besides the store, passed explicitly."""

    config: CentreConfig
    clock: Clock = field(default_factory=SystemClock)
    calendar: Calendar = field(init=False)
    policy: Policy = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "calendar", Calendar(self.config.centre))
        object.__setattr__(self, "policy", POLICIES[self.config.router.policy])

    @property
    def code(self) -> str:
        return self.config.centre.code
