"""Each policy's choice on hand-made snapshots."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest

from routing import config as config_module
from routing.centre import Centre
from routing.config import load_config
from routing.policies import POLICIES, Lwwt, Rules, make_policy
from routing.router import Seat, candidates
from routing.states import TicketState
from routing.store.models import Staff, Ticket
from tests.factories.configs import REFERENCE_CONFIG

NOW = dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC)
CONFIG = load_config(REFERENCE_CONFIG)
RULES = Rules.of(CONFIG)
_ids = itertools.count(1)


def ticket(
    service: str,
    waited: float,
    *,
    priority: str | None = None,
    mediator: bool = False,
    language: str = "pt",
    to_counter: int | None = None,
) -> Ticket:
    """A waiting ticket issued `waited` minutes before NOW."""
    return Ticket(
        id=next(_ids),
        number="X",
        service=service,
        priority=priority,
        mediator=mediator,
        language=language,
        state=TicketState.WAITING,
        issued_at=NOW - dt.timedelta(minutes=waited),
        target_counter_id=to_counter,
    )


def seat(counter_id: int, services: tuple[str, ...] = (), languages: tuple[str, ...] = ("pt",)):
    staff = Staff(services=list(services), languages=list(languages))
    return Seat.of(CONFIG.counter(counter_id), staff)


def ranked(
    policy: str, tickets: list[Ticket], at: Seat, *, aware: bool = True, rules: Rules = RULES
) -> list[Ticket]:
    return candidates(tickets, at, make_policy(policy, rules, mediator_aware=aware), NOW)


#: the reference rules with a quicker front desk: reception-triage within 15, priority within 5
QUICK_TRIAGE = dataclasses.replace(
    RULES,
    target_min={**RULES.target_min, "reception-triage": 15},
    priority_target_min={**RULES.priority_target_min, "reception-triage": 5},
)


AIMA = seat(3)  # residence-first (target 30, priority 10), residence-renewal


def test_the_reference_rules() -> None:
    assert set(RULES.target_min.values()) == {30}  # REFERENCE.md: 30 minutes, every service
    assert set(RULES.priority_target_min.values()) == {10}  # and 10 with legal priority
    assert "nationality" not in RULES.priority_target_min  # exempt (a registry)
    assert RULES.mediator_only == frozenset({"mediation"})


def test_the_config_names_every_policy_and_defaults_to_lwwt() -> None:
    assert set(config_module.POLICIES) == set(POLICIES)
    assert config_module.Router().policy == "lwwt"
    assert CONFIG.router.policy == "lwwt"
    assert isinstance(Centre(CONFIG).policy, Lwwt)


def test_lwwt_weighs_waiting_by_the_target_of_the_class() -> None:
    regular = ticket("residence-first", 20)  # 20/30 = 0.67
    priority = ticket("residence-first", 8, priority="elderly")  # 8/10 = 0.8
    overdue = ticket("residence-renewal", 40)  # 40/30 = 1.33
    assert ranked("lwwt", [regular, priority, overdue], AIMA) == [overdue, priority, regular]


def test_lwwt_breaks_ties_by_arrival() -> None:
    desk = seat(1)  # reception-triage (target 15 here), immigration-info (target 30)
    triage = ticket("reception-triage", 15)  # 15/15 = 1
    info = ticket("immigration-info", 30)  # 30/30 = 1, and came earlier
    assert ranked("lwwt", [triage, info], desk, rules=QUICK_TRIAGE) == [info, triage]
    twin = ticket("reception-triage", 15)  # the same moment: the one issued first goes first
    assert ranked("lwwt", [twin, triage], desk, rules=QUICK_TRIAGE) == [triage, twin]


def test_lwwt_keeps_priority_visitors_in_arrival_order_across_targets() -> None:
    triage_desk = seat(1)  # reception-triage (priority target 5 here), immigration-info (10)
    first = ticket("immigration-info", 6, priority="elderly")  # 6/10 = 0.6
    second = ticket("reception-triage", 4, priority="pregnant")  # 4/5 = 0.8
    regular = ticket("immigration-info", 21)  # 21/30 = 0.7
    # The head of the priority line carries the urgency of those behind it.
    order = ranked("lwwt", [regular, second, first], triage_desk, rules=QUICK_TRIAGE)
    assert order == [first, second, regular]


def test_priority_does_not_count_on_exempt_services() -> None:
    registry = seat(19)  # nationality (primary), civil-registry; both exempt, targets 30
    claimed = ticket("civil-registry", 10, priority="elderly")  # 10/30, not 10/10
    earlier = ticket("nationality", 20)  # 20/30
    for policy in POLICIES:
        assert ranked(policy, [claimed, earlier], registry) == [earlier, claimed], policy


def test_fifo_is_arrival_order_whatever_the_class() -> None:
    old = ticket("residence-renewal", 30)
    priority = ticket("residence-first", 5, priority="disability")
    new = ticket("residence-first", 1)
    assert ranked("fifo", [new, priority, old], AIMA) == [old, priority, new]


def test_strict_priority_serves_every_priority_visitor_first() -> None:
    old = ticket("residence-renewal", 90)
    p_late = ticket("residence-first", 1, priority="disability")
    p_early = ticket("residence-renewal", 2, priority="infant")
    new = ticket("residence-first", 1)
    assert ranked("strict_priority", [new, p_late, old, p_early], AIMA) == [
        p_early,
        p_late,
        old,
        new,
    ]


def test_own_service_first_serves_the_primary_service_before_the_others() -> None:
    renewal_desk = seat(5)  # counter order: residence-renewal first
    assert renewal_desk.primary == "residence-renewal"
    backup_old = ticket("immigration-info", 25)
    own_new = ticket("residence-renewal", 2)
    own_old = ticket("residence-renewal", 5)
    priority = ticket("residence-first", 1, priority="pregnant")
    order = ranked("own_service_first", [backup_old, own_new, priority, own_old], renewal_desk)
    assert order == [priority, own_old, own_new, backup_old]
    # The staff member's own order of skills decides the primary service.
    info_first = seat(5, services=("immigration-info", "residence-renewal"))
    assert info_first.primary == "immigration-info"
    order = ranked("own_service_first", [own_old, backup_old], info_first)
    assert order == [backup_old, own_old]


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_a_ticket_transferred_here_comes_first(policy: str) -> None:
    overdue = ticket("residence-first", 60, priority="elderly")
    sent_here = ticket("tax-number", 0, to_counter=3)
    sent_elsewhere = ticket("residence-first", 70, to_counter=4)
    assert ranked(policy, [overdue, sent_here, sent_elsewhere], AIMA) == [sent_here, overdue]


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_a_mediator_serves_its_languages_before_what_plain_counters_could(policy: str) -> None:
    mediator = seat(25, languages=("pt", "ar", "bn"))
    plain_overdue = ticket("residence-first", 80, priority="elderly")
    arabic = ticket("tax-number", 1, mediator=True, language="ar")
    interpreting = ticket("mediation", 0)
    russian = ticket("tax-number", 50, mediator=True, language="ru")
    order = ranked(policy, [plain_overdue, arabic, interpreting, russian], mediator)
    assert order[:2] in ([arabic, interpreting], [interpreting, arabic])
    assert order[2] is plain_overdue and russian not in order
    blind = ranked(policy, [plain_overdue, arabic, interpreting], mediator, aware=False)
    assert blind[0] is plain_overdue


def test_plain_counters_ignore_mediator_awareness() -> None:
    agent = seat(10, languages=("pt", "en"))
    english = ticket("tax-number", 1, mediator=True, language="en")
    old = ticket("tax-returns", 20)
    assert ranked("lwwt", [english, old], agent) == [old, english]
