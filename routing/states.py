"""The ticket's life as an explicit transition table, and the one domain error."""

from __future__ import annotations

import enum


class TicketState(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class CounterState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


class Priority(enum.StrEnum):
    """Legal priority classes of Decreto-Lei 58/2016."""

    DISABILITY = "disability"
    ELDERLY = "elderly"
    PREGNANT = "pregnant"
    INFANT = "infant"


ACTIVE = frozenset({TicketState.CALLED, TicketState.SERVING})
FINAL = frozenset({TicketState.DONE, TicketState.NO_SHOW, TicketState.CANCELLED})

#: action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[TicketState], TicketState]] = {
    "call": (frozenset({TicketState.WAITING}), TicketState.CALLED),
    "recall": (frozenset({TicketState.CALLED}), TicketState.CALLED),
    "start": (frozenset({TicketState.CALLED}), TicketState.SERVING),
    "finish": (frozenset({TicketState.CALLED, TicketState.SERVING}), TicketState.DONE),
    "no_show": (frozenset({TicketState.CALLED}), TicketState.NO_SHOW),
    "transfer": (frozenset({TicketState.CALLED, TicketState.SERVING}), TicketState.WAITING),
    "cancel": (frozenset({TicketState.WAITING}), TicketState.CANCELLED),
}


class DomainError(Exception):
    """A request the domain refuses; `code` is the stable name the API answers with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def next_state(action: str, current: TicketState) -> TicketState:
    """The state `action` leads to from `current`; raises `DomainError('invalid_state')`."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise DomainError("invalid_state", f"cannot {action.replace('_', '-')} a {current} ticket")
    return target
