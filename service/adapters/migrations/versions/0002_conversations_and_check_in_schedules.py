"""conversations and check-in schedules

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 02:56:26.987500
"""

import sqlalchemy as sa
from alembic import op

import service.adapters.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_schedules",
        sa.Column("contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("every", sa.String(length=8), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("line_number", sa.String(length=32), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("next_at", service.adapters.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", service.adapters.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
        ),
        sa.PrimaryKeyConstraint("contact_id"),
    )
    with op.batch_alter_table("checkin_schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_schedules_next_at"), ["next_at"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("flows_run", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("line_number", sa.String(length=32), nullable=False),
        sa.Column("state_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("started_at", service.adapters.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.adapters.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", service.adapters.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("timeout_at", service.adapters.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("timeout_token", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversations_timeout_at"), ["timeout_at"], unique=False)
        batch_op.create_index(
            "ix_one_active_conversation",
            ["contact_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consented_at", service.adapters.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("wants_peer_since", service.adapters.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("wants_peer_since")
        batch_op.drop_column("consented_at")

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_one_active_conversation",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_conversations_timeout_at"))

    op.drop_table("conversations")
    with op.batch_alter_table("checkin_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_schedules_next_at"))

    op.drop_table("checkin_schedules")
