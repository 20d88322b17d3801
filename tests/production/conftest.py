"""Production set-up: processes on PostgreSQL and Redis, behind Debian's nginx."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI
from tests.factories.nginx import NGINX


def need_nginx() -> None:
    """Skip (outside CI) or fail (in CI) without nginx (`make production-tools` installs it)."""
    if NGINX is not None:
        return
    if IN_CI:
        pytest.fail("CI=true but nginx is not installed (make production-tools installs it)")
    pytest.skip("nginx is not installed (apt-get install nginx)")
