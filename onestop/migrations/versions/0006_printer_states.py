"""printer states: each kiosk printer's last outcome and counts, shared by every process

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:00:00.000000

Printer states were kept in the memory of the process that printed, so behind nginx a manager
asking another process saw "unknown" or an old state. Each job's outcome is now one upsert.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import routing.store.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "printer_states",
        sa.Column("centre", sa.String(length=40), nullable=False),
        sa.Column("kiosk", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("since", routing.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("printed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column(
            "last_printed_at", routing.store.models.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("centre", "kiosk", name=op.f("pk_printer_states")),
    )


def downgrade() -> None:
    op.drop_table("printer_states")
