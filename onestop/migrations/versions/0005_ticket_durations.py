"""ticket durations: each ticket's wait and service time kept as numbers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 21:30:00.000000

The reports summed a year of waits worked out from the timestamps on every run; the core now
keeps them on the ticket as it moves. Existing tickets get them from the same expressions the
reports used, so no figure changes.

On PostgreSQL, statistics on the wait in tenths of a minute, the reports' percentile bucket
(reports.metrics.WAIT_TENTHS, written the same): without them the planner takes it to have as
many values as the waits themselves, expects millions of groups for a national year and sorts
them on disk instead of aggregating in parallel hash tables (8 s against 3 s).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: seconds between two timestamps to the millisecond, as the reports read them until now
SECONDS = {
    "postgresql": "ROUND(date_part('epoch', {end} - {start}) * 1000) / 1000",
    "sqlite": "ROUND((julianday({end}) - julianday({start})) * 86400.0, 3)",
}


def upgrade() -> None:
    op.add_column("tickets", sa.Column("wait_s", sa.Float(), nullable=True))
    op.add_column("tickets", sa.Column("service_s", sa.Float(), nullable=True))
    seconds = SECONDS[op.get_bind().dialect.name]
    wait = seconds.format(start="issued_at", end="called_at")
    service = seconds.format(start="started_at", end="ended_at")
    op.execute(
        f"UPDATE tickets SET wait_s = {wait},"
        f" service_s = CASE WHEN state = 'done' THEN {service} END"
        " WHERE called_at IS NOT NULL"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS tickets_wait_tenths"
            " ON (CAST(FLOOR(wait_s / 6) AS INTEGER)) FROM tickets"
        )


def downgrade() -> None:
    op.execute("DROP STATISTICS IF EXISTS tickets_wait_tenths")
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_column("service_s")
        batch_op.drop_column("wait_s")
