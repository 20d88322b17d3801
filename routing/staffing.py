"""How many counters each hour needs: Erlang C and square-root staffing over an arrival profile.

The plan treats the hour as a stationary M/M/c queue (Poisson arrivals, exponential
service) where every counter could serve every visitor: a lower bound on what counters
bound to their own services need. Routing cannot fix an hour whose load exceeds the counters
open; the plan shows those hours beside the counters the config staffs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from routing.calendar import Calendar
from routing.config import WEEKDAYS, CentreConfig, Span
from routing.daymodel import INTENSITY, DayModel

#: the usual service level: 80% of visitors called within the target
DEFAULT_LEVEL = 0.8
#: REFERENCE.md's target for regular visitors
DEFAULT_TARGET_MIN = 30.0


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with `load` Erlangs offered.

    1.0 when the load reaches the servers (the queue grows without bound). Computed through
    Erlang B's recursion, which stays stable for hundreds of servers.
    """
    if load <= 0:
        return 0.0
    if servers <= load:
        return 1.0
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return servers * blocking / (servers - load * (1 - blocking))


def mean_wait_min(servers: int, load: float, mean_service_min: float) -> float:
    """Mean wait in queue (minutes) of M/M/c; infinite when overloaded."""
    if servers <= load:
        return math.inf
    return erlang_c(servers, load) * mean_service_min / (servers - load)


def within_target(servers: int, load: float, mean_service_min: float, target_min: float) -> float:
    """Share of visitors called within `target_min` in M/M/c."""
    if servers <= load:
        return 0.0
    decay = math.exp(-(servers - load) * target_min / mean_service_min)
    return 1 - erlang_c(servers, load) * decay


def counters_needed(
    load: float, mean_service_min: float, target_min: float, level: float = DEFAULT_LEVEL
) -> int:
    """The fewest counters that call `level` of visitors within `target_min` (Erlang C)."""
    servers = max(1, math.floor(load) + 1)
    while within_target(servers, load, mean_service_min, target_min) < level:
        servers += 1
    return servers


def square_root_staffing(
    load: float, mean_service_min: float, target_min: float, level: float = DEFAULT_LEVEL
) -> int:
    """Counters by the square-root rule, c = a + beta * sqrt(a).

    beta is the smallest for which the Halfin-Whitt approximation of the delay probability,
    times the chance a delay outlasts the target, stays within 1 - `level`.
    """
    if load <= 0:
        return 0
    root = math.sqrt(load)

    def late(beta: float) -> float:
        return _halfin_whitt(beta) * math.exp(-beta * root * target_min / mean_service_min)

    low, high = 0.0, 1.0
    while late(high) > 1 - level:
        high *= 2
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (low, middle) if late(middle) <= 1 - level else (middle, high)
    return math.ceil(load + high * root)


def _halfin_whitt(beta: float) -> float:
    """The QED-regime delay probability for a staffing margin of beta (0 < beta)."""
    if beta <= 0:
        return 1.0
    density = math.exp(-(beta**2) / 2) / math.sqrt(2 * math.pi)
    cumulative = 0.5 * (1 + math.erf(beta / math.sqrt(2)))
    return 1 / (1 + beta * cumulative / density)


@dataclass(frozen=True)
class HourLoad:
    """Demand in one slot of the day: arrivals and the mix's mean service time."""

    start: dt.time
    end: dt.time
    arrivals: float
    mean_service_min: float

    @property
    def minutes(self) -> float:
        return _minutes(self.end) - _minutes(self.start)

    @property
    def load(self) -> float:
        """Offered load in Erlangs: the counters busy on average to keep up."""
        return self.arrivals * self.mean_service_min / self.minutes


def model_profile(model: DayModel) -> list[HourLoad]:
    """The reference model's demand hour by hour from opening (the last slot may be shorter)."""
    opening = _minutes(INTENSITY[0][0])
    slots: list[HourLoad] = []
    start = 0.0
    while start < model.length_min:
        end = min(start + 60, model.length_min)
        services = model.open_services((start + end) / 2)
        slots.append(
            HourLoad(
                _time(opening + start),
                _time(opening + end),
                model.arrivals_between(start, end),
                model.mean_service_min(services),
            )
        )
        start = end
    return slots


def recorded_profiles(
    config: CentreConfig,
    arrivals: Sequence[tuple[dt.datetime, str]],
    first: dt.date,
    last: dt.date,
) -> dict[str, list[HourLoad]]:
    """Demand per weekday, hour by hour from that weekday's opening, as recorded: for each
    weekday the centre opened between `first` and `last` (local dates, both included), the
    mean number of tickets issued per slot on those days, and the mean service time of the
    services they asked for (the config's means; a slot nobody came in takes the mean of all
    services). `arrivals` are (issued_at, service).

    A weekday open on no day of the range is left out.
    """
    calendar = Calendar(config.centre)
    means = {s.code: s.mean_service_min for s in config.services}
    overall = sum(means.values()) / len(means)
    days: dict[str, int] = {}
    day = first
    while day <= last:
        if calendar.hours_on(day) is not None:
            name = WEEKDAYS[day.weekday()]
            days[name] = days.get(name, 0) + 1
        day += dt.timedelta(days=1)
    counts: dict[tuple[str, int], list[float]] = {}
    for issued_at, service in arrivals:
        local = calendar.local(issued_at)
        hours = calendar.hours_on(local.date())
        if hours is None or not first <= local.date() <= last:
            continue
        slot = int((_minutes(local.time()) - _minutes(hours.start)) // 60)
        counts.setdefault((WEEKDAYS[local.weekday()], slot), []).append(means.get(service, 10.0))
    profiles: dict[str, list[HourLoad]] = {}
    for name, opened in days.items():
        hours = config.centre.hours[name]
        opening, closing = _minutes(hours.start), _minutes(hours.end)
        slots: list[HourLoad] = []
        for index, start in enumerate(range(int(opening), int(closing), 60)):
            service_times = counts.get((name, index), [])
            mean = sum(service_times) / len(service_times) if service_times else overall
            end = min(start + 60, closing)
            slots.append(HourLoad(_time(start), _time(end), len(service_times) / opened, mean))
        profiles[name] = slots
    return {name: profiles[name] for name in WEEKDAYS if name in profiles}


def staffed_counters(config: CentreConfig, start: dt.time, end: dt.time) -> float:
    """Counters the config opens in a slot, each counted by the share of the slot its hours
    cover (on a day with the centre's longest hours)."""
    days = list(config.centre.hours.values())
    centre = Span(min(d.start for d in days), max(d.end for d in days))
    width = _minutes(end) - _minutes(start)
    total = 0.0
    for counter in config.counters:
        hours = counter.hours or centre
        overlap = min(_minutes(end), _minutes(hours.end)) - max(
            _minutes(start), _minutes(hours.start)
        )
        total += max(0.0, overlap) / width
    return total


@dataclass(frozen=True)
class PlanRow:
    """One slot of the staffing plan."""

    slot: HourLoad
    needed: int
    square_root: int
    staffed: float

    @property
    def short(self) -> bool:
        return self.staffed < self.needed


def staffing_plan(
    config: CentreConfig,
    profile: Sequence[HourLoad],
    target_min: float = DEFAULT_TARGET_MIN,
    level: float = DEFAULT_LEVEL,
) -> list[PlanRow]:
    """Counters needed per slot (Erlang C and the square-root rule) beside those staffed."""
    return [
        PlanRow(
            slot,
            counters_needed(slot.load, slot.mean_service_min, target_min, level),
            square_root_staffing(slot.load, slot.mean_service_min, target_min, level),
            staffed_counters(config, slot.start, slot.end),
        )
        for slot in profile
    ]


def _minutes(moment: dt.time) -> float:
    if moment == dt.time.max:
        return 24 * 60
    return moment.hour * 60 + moment.minute + moment.second / 60


def _time(minutes: float) -> dt.time:
    if minutes >= 24 * 60:
        return dt.time.max
    hours, rest = divmod(round(minutes), 60)
    return dt.time(int(hours), int(rest))
