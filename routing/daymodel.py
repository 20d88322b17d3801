"""A working model of a day at the reference centre (REFERENCE.md): who comes, when, for what.

Assumptions, not measurements. Arrivals are a non-homogeneous Poisson process, 750 a day
by default, whose intensity follows the reference profile (linear between its marks),
drawn by thinning. Service times are lognormal with a coefficient of variation of 0.7
around each service's `mean_service_min`, 30% longer with a mediator. 15% of visitors claim
legal priority (the kiosk records none on exempt services), 10% need a mediator.

The simulator and the staffing plan both read their load from here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from routing.config import CentreConfig, Service

#: (local time, intensity relative to the day's mean), linear between marks
INTENSITY: tuple[tuple[dt.time, float], ...] = (
    (dt.time(8, 30), 0.55),
    (dt.time(9, 30), 1.00),
    (dt.time(10, 30), 1.45),
    (dt.time(11, 30), 1.50),
    (dt.time(12, 30), 1.15),
    (dt.time(13, 0), 0.80),
    (dt.time(13, 30), 0.80),
    (dt.time(14, 30), 1.25),
    (dt.time(15, 0), 1.40),
    (dt.time(15, 30), 1.35),
    (dt.time(16, 30), 1.00),
    (dt.time(17, 30), 0.80),
    (dt.time(18, 30), 0.60),
    (dt.time(19, 30), 0.40),
    (dt.time(20, 0), 0.20),
)

#: Relative popularity of each service: our guess at the visitor mix, chosen so that each
#: group of counters in config.yaml works at 45-75% of its hours on an average day (their
#: number suggests what the planners expect); immigration, triage, social security, tax
#: and health draw most. A service missing here weighs 1.
POPULARITY: Mapping[str, float] = {
    "reception-triage": 70,
    "immigration-info": 60,
    "residence-first": 35,
    "residence-renewal": 50,
    "family-reunification": 25,
    "social-security-number": 50,
    "social-security-benefits": 30,
    "tax-number": 50,
    "tax-returns": 20,
    "health-user-number": 60,
    "citizen-card": 15,
    "digital-mobile-key": 15,
    "driving-licence-exchange": 8,
    "municipal-services": 20,
    "residence-certificate": 25,
    "bank-account": 12,
    "money-transfers": 25,
    "electricity": 12,
    "water": 10,
    "telecom": 12,
    "nationality": 10,
    "civil-registry": 10,
    "job-seeker-registration": 20,
    "entrepreneurship": 6,
    "school-enrolment": 12,
    "qualifications-recognition": 10,
    "portuguese-courses": 20,
    "sports-leisure": 6,
    "legal-support": 12,
    "labour-rights": 12,
    "victim-support": 6,
    "social-support": 15,
    "housing-support": 8,
    "voluntary-return": 4,
    "mediation": 20,
}

#: Languages of visitors who need a mediator: the Cape Verdean and Guinea-Bissau Creoles by
#: their share of the centre's users in 2007 (19% and 13%), every other spoken language but
#: Portuguese an equal 2%.
MEDIATED_LANGUAGES: Mapping[str, float] = {"kea": 19, "pov": 13}
OTHER_LANGUAGE_WEIGHT = 2.0

PRIORITY_CLASSES = ("disability", "elderly", "pregnant", "infant")


@dataclass(frozen=True)
class Visitor:
    """One arrival: when (minutes after opening), what for, and how long serving them takes."""

    arrival_min: float
    service: str
    priority: str | None
    mediated: bool
    language: str
    service_min: float


@dataclass(frozen=True)
class DayModel:
    """The reference model of a day for one centre's config."""

    config: CentreConfig
    visitors_per_day: float = 750.0
    priority_share: float = 0.15
    mediated_share: float = 0.10
    mediated_slowdown: float = 1.3
    service_cv: float = 0.7
    popularity: Mapping[str, float] = field(default_factory=lambda: POPULARITY)

    @property
    def opening(self) -> dt.time:
        return INTENSITY[0][0]

    @property
    def length_min(self) -> float:
        return _minutes(INTENSITY[-1][0]) - _minutes(self.opening)

    def relative_intensity(self, minute: float) -> float:
        """The profile's value `minute` minutes after opening (linear between marks)."""
        for (m0, v0), (m1, v1) in _SEGMENTS:
            if m0 <= minute <= m1:
                return v0 + (v1 - v0) * (minute - m0) / (m1 - m0)
        return 0.0

    def rate_per_min(self, minute: float) -> float:
        """Expected arrivals per minute at `minute`: the profile scaled to the day's visitors."""
        return self.visitors_per_day * self.relative_intensity(minute) / _AREA

    def arrivals_between(self, start_min: float, end_min: float) -> float:
        """Expected arrivals between two moments (minutes after opening)."""
        steps = max(1, math.ceil(end_min - start_min))
        width = (end_min - start_min) / steps
        return sum(self.rate_per_min(start_min + (i + 0.5) * width) for i in range(steps)) * width

    def open_services(self, minute: float) -> list[Service]:
        """Services taking tickets at `minute` after opening (visitors come for what is open)."""
        moment = _time_at(self.opening, minute)
        return [s for s in self.config.services if s.hours is None or moment in s.hours]

    def mean_service_min(self, services: list[Service]) -> float:
        """The visitor mix's mean service time over `services`, mediation included."""
        weights = [self.popularity.get(s.code, 1.0) for s in services]
        plain = sum(w * s.mean_service_min for w, s in zip(weights, services, strict=True)) / sum(
            weights
        )
        return plain * (1 + self.mediated_share * (self.mediated_slowdown - 1))

    def day(self, rng: random.Random) -> list[Visitor]:
        """One day's visitors in arrival order, drawn by thinning a homogeneous process."""
        peak = max(v for _, v in INTENSITY)
        peak_rate = self.visitors_per_day * peak / _AREA
        languages, language_weights = self._mediated_languages()
        visitors: list[Visitor] = []
        minute = rng.expovariate(peak_rate)
        while minute < self.length_min:
            if rng.random() * peak <= self.relative_intensity(minute):
                visitors.append(self._visitor(rng, minute, languages, language_weights))
            minute += rng.expovariate(peak_rate)
        return visitors

    def _visitor(
        self, rng: random.Random, minute: float, languages: list[str], weights: list[float]
    ) -> Visitor:
        services = self.open_services(minute)
        service = rng.choices(services, [self.popularity.get(s.code, 1.0) for s in services])[0]
        priority = rng.choice(PRIORITY_CLASSES) if rng.random() < self.priority_share else None
        mediated = rng.random() < self.mediated_share
        language = rng.choices(languages, weights)[0] if mediated else "pt"
        mean = service.mean_service_min * (self.mediated_slowdown if mediated else 1.0)
        sigma2 = math.log(1 + self.service_cv**2)
        duration = rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))
        return Visitor(minute, service.code, priority, mediated, language, duration)

    def _mediated_languages(self) -> tuple[list[str], list[float]]:
        codes = [lang.code for lang in self.config.languages if lang.code != "pt"]
        return codes, [MEDIATED_LANGUAGES.get(code, OTHER_LANGUAGE_WEIGHT) for code in codes]


def _minutes(moment: dt.time) -> float:
    return moment.hour * 60 + moment.minute + moment.second / 60


def _time_at(start: dt.time, minute: float) -> dt.time:
    total = _minutes(start) + minute
    hours, rest = divmod(total, 60)
    return dt.time(int(hours), int(rest), int((rest % 1) * 60))


_MARKS = [(_minutes(t) - _minutes(INTENSITY[0][0]), v) for t, v in INTENSITY]
#: consecutive marks, as ((minute, value), (minute, value)) after opening
_SEGMENTS = list(itertools.pairwise(_MARKS))
#: the integral of the relative intensity over the day, in minutes
_AREA = sum((m1 - m0) * (v0 + v1) / 2 for (m0, v0), (m1, v1) in _SEGMENTS)
