"""Reading JSON request bodies: 415 unless JSON, 422 with every problem named."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.routing import IntegerConverter, Map

from routing.states import DomainError

#: control characters no person types (tab and newlines are allowed); PostgreSQL refuses NUL
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    """Whether `text` holds a control character that has no business in a text field."""
    return CONTROL.search(text) is not None


class Body(BaseModel):
    """A request body: unknown fields are refused, not ignored; no text carries control
    characters."""

    model_config = ConfigDict(extra="forbid", str_max_length=500)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        if isinstance(value, str) and has_control_characters(value):
            raise ValueError("control characters are not allowed")
        return value


B = TypeVar("B", bound=Body)


def json_body(model: type[B]) -> B:
    """The request's JSON body as `model`; raises 415 (not JSON) or `DomainError('invalid')`."""
    if not request.is_json:
        raise UnsupportedMediaType("send Content-Type: application/json")
    data = request.get_json(silent=True)
    if data is None:
        raise DomainError("invalid", "the body is not valid JSON")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()
        )
        raise DomainError("invalid", problems) from None


#: the largest id a database column holds (a signed 64-bit integer)
MAX_ID = 2**63 - 1


class BoundedInt(IntegerConverter):
    """`<int:...>` in a URL, up to `MAX_ID`: a larger number is no row (404), rather than an
    overflow in the database driver (500)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
