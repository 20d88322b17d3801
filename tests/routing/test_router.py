"""Eligibility, and the router's properties under every policy (hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import counters, tickets
from routing.centre import Centre
from routing.clock import VirtualClock
from routing.config import load_config
from routing.policies import POLICIES, Rules, make_policy
from routing.router import Seat, candidates, eligible
from routing.router import snapshot as router_snapshot
from routing.states import DomainError, TicketState
from routing.store.memory import MemoryStore
from routing.store.models import Staff, Ticket
from tests.factories.configs import REFERENCE_CONFIG

CONFIG = load_config(REFERENCE_CONFIG)
RULES = Rules.of(CONFIG)
#: a Wednesday in winter (Lisbon = UTC): open 08:30-20:00
WEDNESDAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)


def person(
    counter_id: int,
    services: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("pt", "en"),
    role: str = "agent",
) -> Staff:
    return Staff(
        id=counter_id,
        centre="lisboa",
        username=f"p{counter_id}",
        password_hash="-",
        role=role,
        services=list(services),
        languages=list(languages),
        active=True,
    )


def waiting(service: str, *, mediator: bool = False, language: str = "pt", to: int | None = None):
    return Ticket(
        id=next(_ids),
        service=service,
        mediator=mediator,
        language=language,
        priority=None,
        state=TicketState.WAITING,
        issued_at=NOW,
        target_counter_id=to,
    )


# --- eligibility -------------------------------------------------------------------------


def test_a_seat_serves_the_counters_services_narrowed_to_the_skills_in_their_order() -> None:
    counter = CONFIG.counter(5)  # residence-renewal, -first, immigration-info, family-reunif.
    everything = Seat.of(counter, person(5))
    assert everything.ordered == (
        "residence-renewal",
        "residence-first",
        "immigration-info",
        "family-reunification",
    )
    skilled = Seat.of(counter, person(5, ("immigration-info", "tax-number", "residence-first")))
    assert skilled.ordered == ("immigration-info", "residence-first")
    assert skilled.services == {"immigration-info", "residence-first"}
    assert eligible(waiting("residence-first"), skilled)
    assert not eligible(waiting("residence-renewal"), skilled)
    assert not eligible(waiting("tax-number"), skilled)


def test_the_centre_makes_a_counters_seat_again_when_skills_or_languages_change() -> None:
    centre = Centre(CONFIG, VirtualClock(dt.datetime(2026, 11, 25, 11, tzinfo=dt.UTC)))
    counter = CONFIG.counter(5)
    agent = person(5, ("immigration-info",))
    first = centre.seat(counter, agent)
    assert centre.seat(counter, agent) is first
    agent.services = ["residence-first", "immigration-info"]
    assert centre.seat(counter, agent).ordered == ("residence-first", "immigration-info")
    agent.languages = ["pt", "ar"]
    assert centre.seat(counter, agent).languages == {"pt", "ar"}
    assert centre.seat(counter, person(5)).services == set(counter.services)


def test_mediation_needs_a_seat_that_speaks_the_language() -> None:
    agent = Seat.of(CONFIG.counter(10), person(10, languages=("pt", "en")))
    mediator = Seat.of(CONFIG.counter(25), person(25, languages=("pt", "ar"), role="mediator"))
    arabic = waiting("tax-number", mediator=True, language="ar")
    english = waiting("tax-number", mediator=True, language="en")
    assert not eligible(arabic, agent) and eligible(arabic, mediator)
    assert eligible(english, agent) and not eligible(english, mediator)
    assert eligible(waiting("tax-number"), mediator)  # plain tickets too, when nobody needs it
    assert not eligible(waiting("mediation"), agent)


def test_a_transferred_ticket_goes_to_its_counter_only() -> None:
    aima = Seat.of(CONFIG.counter(3), person(3))
    tax = Seat.of(CONFIG.counter(10), person(10))
    sent = waiting("tax-number", to=3)
    assert eligible(sent, aima) and not eligible(sent, tax)


@pytest.fixture
def floor() -> tuple[MemoryStore, Centre, VirtualClock]:
    clock = VirtualClock(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC))
    return MemoryStore("lisboa"), Centre(CONFIG, clock), clock


def test_counters_call_only_inside_their_hours(floor) -> None:
    store, centre, clock = floor
    morning = person(9, CONFIG.counter(9).services)  # counter 9: 08:30-14:00
    evening = person(12, CONFIG.counter(12).services)  # counter 12: 14:00-20:00
    for staff in (morning, evening):
        store.add(staff)
        counters.open_counter(store, centre, staff.id, staff)
    tickets.issue(store, centre, service="social-security-number", language="pt")
    tickets.issue(store, centre, service="tax-returns", language="pt")
    with pytest.raises(DomainError) as closed:
        tickets.call_next(store, centre, 12, evening)
    assert closed.value.code == "counter_closed"
    assert tickets.call_next(store, centre, 9, morning).service == "social-security-number"
    tickets.finish(store, centre, 9, morning)
    clock.advance_to(dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC))
    tickets.issue(store, centre, service="social-security-number", language="pt")
    with pytest.raises(DomainError):
        tickets.call_next(store, centre, 9, morning)
    assert tickets.call_next(store, centre, 12, evening).service == "tax-returns"


def test_a_paused_counter_calls_nobody(floor) -> None:
    store, centre, _ = floor
    agent = person(3, CONFIG.counter(3).services)
    store.add(agent)
    counters.open_counter(store, centre, 3, agent)
    tickets.issue(store, centre, service="residence-first", language="pt")
    counters.pause(store, centre, 3, agent, "lunch")
    with pytest.raises(DomainError) as paused:
        tickets.call_next(store, centre, 3, agent)
    assert paused.value.code == "counter_closed"
    counters.resume(store, centre, 3, agent)
    assert tickets.call_next(store, centre, 3, agent) is not None


# --- properties of every policy on random snapshots -----------------------------------------

#: the counters the properties use: triage, three AIMA desks, tax, and a ground-floor mediator
SEATS = (1, 3, 5, 6, 10, 25)
SERVICES = sorted({code for c in SEATS for code in CONFIG.counter(c).services} - {"tax-returns"})
LANGUAGES = ("pt", "en", "ar", "kea", "ru")


@dataclass(frozen=True)
class Arrival:
    service: str
    priority: str | None
    mediator: bool
    language: str
    waited: float
    to_counter: int | None


arrivals = st.builds(
    Arrival,
    service=st.sampled_from(SERVICES),
    priority=st.sampled_from([None, None, "elderly", "pregnant"]),
    mediator=st.booleans(),
    language=st.sampled_from(LANGUAGES),
    waited=st.integers(0, 90).map(float),
    to_counter=st.sampled_from([None] * 8 + list(SEATS)),
)


@st.composite
def seats(draw: st.DrawFn) -> Seat:
    """A counter of SEATS with a person whose skills are none (all) or some of its services."""
    counter = CONFIG.counter(draw(st.sampled_from((*SEATS, 1, 25))))  # more of mixed targets
    offered = [s for s in counter.services if s in SERVICES]
    skills = draw(st.just([]) | st.permutations(offered).map(lambda p: p[: max(1, len(p) - 1)]))
    languages = draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3, unique=True))
    return Seat.of(counter, person(counter.id, tuple(skills), tuple(languages)))


def materialise(batch: list[Arrival]) -> list[Ticket]:
    return [
        Ticket(
            id=next(_ids),
            service=a.service,
            priority=a.priority,
            mediator=a.mediator,
            language=a.language,
            state=TicketState.WAITING,
            issued_at=NOW - dt.timedelta(minutes=a.waited),
            target_counter_id=a.to_counter,
        )
        for a in batch
    ]


def lane(ticket: Ticket, seat: Seat, aware: bool = True) -> int:
    """The group a policy serves the ticket in at this seat (see routing.policies)."""
    if ticket.target_counter_id == seat.counter.id:
        return 0
    if aware and seat.is_mediator and (ticket.mediator or ticket.service in RULES.mediator_only):
        return 1
    return 2


def assert_priority_in_arrival_order(order: list[Ticket], seat: Seat) -> None:
    """Priority tickets of one group never overtake an earlier priority ticket of that group."""
    last: dict[int, tuple[dt.datetime, int]] = {}
    for ticket in order:
        if RULES.is_priority(ticket):
            group = lane(ticket, seat)
            arrival = (ticket.issued_at, ticket.id)
            assert group not in last or last[group] < arrival, (ticket.id, group)
            last[group] = arrival


def arrivals_at(counter_id: int) -> st.SearchStrategy[Arrival]:
    """Arrivals mostly for the counter's own services, so rankings have something to order."""
    own = [code for code in CONFIG.counter(counter_id).services if code in SERVICES]
    return arrivals.flatmap(
        lambda a: st.sampled_from([*own, *own, a.service]).map(
            lambda service: Arrival(
                service, a.priority, a.mediator, a.language, a.waited, a.to_counter
            )
        )
    )


@pytest.mark.parametrize("policy", sorted(POLICIES))
@given(data=st.data())
@settings(max_examples=200, deadline=None)
def test_a_ranking_holds_every_eligible_ticket_once_and_nothing_else(
    policy: str, data: st.DataObject
) -> None:
    at = data.draw(seats())
    snapshot = materialise(data.draw(st.lists(arrivals_at(at.counter.id), max_size=40)))
    order = candidates(snapshot, at, make_policy(policy, RULES), NOW)
    assert len({t.id for t in order}) == len(order)
    assert {t.id for t in order} == {t.id for t in snapshot if eligible(t, at)}
    assert [lane(t, at) for t in order] == sorted(lane(t, at) for t in order)
    assert_priority_in_arrival_order(order, at)


@pytest.mark.parametrize("policy", sorted(POLICIES))
@given(data=st.data())
@settings(max_examples=200, deadline=None)
def test_ranking_lane_heads_gives_the_policy_s_order_over_every_ticket(
    policy: str, data: st.DataObject
) -> None:
    at = data.draw(seats())
    snapshot = materialise(data.draw(st.lists(arrivals_at(at.counter.id), max_size=40)))
    rules = make_policy(policy, RULES)
    rows = [row for row in router_snapshot(snapshot) if eligible(row, at)]
    assert candidates(snapshot, at, rules, NOW) == [row.ticket for row in rules.rank(rows, at, NOW)]


# --- properties through the domain: issue, call, finish and transfer on a MemoryStore -------

Step = tuple[str, int, Arrival | None, float]
steps = st.lists(
    st.tuples(
        st.sampled_from(["arrive", "arrive", "call", "call", "transfer"]),
        st.sampled_from(SEATS),
        arrivals,
        st.floats(0, 4, allow_nan=False),
    ),
    max_size=60,
)


@pytest.mark.parametrize("policy", sorted(POLICIES))
@given(script=steps)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_counters_call_eligible_tickets_once_priority_in_arrival_order(
    policy: str, script: list[Step]
) -> None:
    clock = VirtualClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))
    centre = Centre(CONFIG, clock, with_policy=make_policy(policy, RULES))
    store = MemoryStore("lisboa")
    staff = {c: person(c) for c in SEATS}
    staff[25] = person(25, languages=("pt", "ar", "kea"), role="mediator")
    for c, someone in staff.items():
        store.add(someone)
        counters.open_counter(store, centre, c, someone)
    seat_of = {c: Seat.of(CONFIG.counter(c), staff[c]) for c in SEATS}
    called: set[int] = set()
    for action, counter_id, arrival, minutes in script:
        clock.advance_to(clock.now() + dt.timedelta(minutes=minutes))
        held = store.held_by(counter_id)
        if action == "arrive":
            assert arrival is not None
            tickets.issue(
                store,
                centre,
                service=arrival.service,
                language=arrival.language,
                priority=arrival.priority,
                mediator=arrival.mediator,
            )
        elif action == "transfer" and held is not None:
            others = [c for c in SEATS if c != counter_id]
            to = others[int(minutes * 10) % len(others)]
            tickets.transfer(store, centre, counter_id, staff[counter_id], to_counter=to)
            called.discard(held.id)  # back in the queue: it may be called again
        elif action == "call":
            if held is not None:
                tickets.finish(store, centre, counter_id, staff[counter_id])
            seat = seat_of[counter_id]
            snapshot = store.waiting()
            allowed = [t for t in snapshot if eligible(t, seat)]
            lanes = {t.id: lane(t, seat) for t in allowed}
            arrival_of = {t.id: (t.issued_at, t.id) for t in allowed}
            ticket = tickets.call_next(store, centre, counter_id, staff[counter_id])
            if ticket is None:
                assert allowed == []
                continue
            assert ticket.id in lanes, "called a ticket this counter may not serve"
            assert ticket.id not in called, "called the same ticket twice"
            called.add(ticket.id)
            assert lanes[ticket.id] == min(lanes.values())
            if RULES.is_priority(ticket):
                earlier = [
                    t
                    for t in allowed
                    if RULES.is_priority(t)
                    and lanes[t.id] == lanes[ticket.id]
                    and arrival_of[t.id] < arrival_of[ticket.id]
                ]
                assert earlier == [], "a priority visitor overtook an earlier one"


# --- no starvation ------------------------------------------------------------------------


def starvation_bound(seat: Seat, initial: int) -> int:
    """Calls within which every initially waiting ticket is called, one arrival per call.

    A ticket arriving after T can outrank T at time t only if it arrived before t(1 - 1/R),
    R the largest ratio of two targets at the seat; counting those arrivals gives R * n.
    """
    targets = [RULES.target_min[s] for s in seat.services]
    targets += [
        RULES.priority_target_min[s] for s in seat.services if s in RULES.priority_target_min
    ]
    return math.ceil(max(targets) / min(targets) * initial)


@pytest.mark.parametrize("policy", ["lwwt", "fifo"])
@given(
    backlog=st.lists(arrivals, min_size=1, max_size=25),
    counter_id=st.sampled_from([1, 3, 5, 6]),
    gap=st.floats(0.5, 5, allow_nan=False),
    rnd=st.randoms(use_true_random=False),
)
@settings(max_examples=60, deadline=None)
def test_every_waiting_ticket_is_called_within_a_bounded_number_of_calls(
    policy: str, backlog: list[Arrival], counter_id: int, gap: float, rnd
) -> None:
    seat = Seat.of(CONFIG.counter(counter_id), person(counter_id))
    services = sorted(seat.services)

    def plain(service: str, priority: str | None, waited: float) -> Ticket:
        return materialise([Arrival(service, priority, False, "pt", waited, None)])[0]

    queue = [plain(rnd.choice(services), a.priority, a.waited) for a in backlog]
    initial = {t.id for t in queue}
    bound = starvation_bound(seat, len(queue))
    rank = make_policy(policy, RULES).rank
    now = NOW
    for _ in range(bound + 1):
        best = rank(queue, seat, now)[0]
        queue.remove(best)
        initial.discard(best.id)
        if not initial:
            return
        now += dt.timedelta(minutes=gap)
        fresh = plain(rnd.choice(services), rnd.choice([None, None, "infant"]), 0)
        fresh.issued_at = now
        queue.append(fresh)
    pytest.fail(f"{len(initial)} ticket(s) still waiting after {bound} calls")


def test_strict_priority_can_starve_regular_visitors() -> None:
    """Why no-starvation is claimed for lwwt and fifo only: a stream of priority visitors."""
    seat = Seat.of(CONFIG.counter(3), person(3))
    regular = materialise([Arrival("residence-first", None, False, "pt", 60, None)])[0]
    queue = [regular]
    now = NOW
    rank = make_policy("strict_priority", RULES).rank
    lwwt = make_policy("lwwt", RULES).rank
    for _ in range(200):
        now += dt.timedelta(minutes=1)
        newcomer = materialise([Arrival("residence-first", "elderly", False, "pt", 0, None)])[0]
        newcomer.issued_at = now
        queue.append(newcomer)
        best = rank(queue, seat, now)[0]
        assert best is not regular
        queue.remove(best)
    latest = materialise([Arrival("residence-first", "elderly", False, "pt", 0, None)])[0]
    latest.issued_at = now
    assert lwwt([*queue, latest], seat, now)[0] is regular
