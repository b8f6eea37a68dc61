"""alerts and the audit ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql')


def upgrade() -> None:
    op.create_table('alert',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('device', sa.String(length=64), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('first_seen', TIMESTAMP, nullable=False),
    sa.Column('last_seen', TIMESTAMP, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('acknowledged_at', TIMESTAMP, nullable=True),
    sa.Column('cleared_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('ix_alert_state', ['state'], unique=False)

    op.create_table('audit',
    sa.Column('line', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('ts', TIMESTAMP, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.Column('device', sa.String(length=64), nullable=True),
    sa.Column('setting', sa.String(length=64), nullable=True),
    sa.Column('register_address', sa.Integer(), nullable=True),
    sa.Column('before_value', sa.String(length=255), nullable=True),
    sa.Column('requested_value', sa.String(length=255), nullable=True),
    sa.Column('after_value', sa.String(length=255), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('line')
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index('ix_audit_ts', ['ts'], unique=False)
        batch_op.create_index('ix_audit_device_ts', ['device', 'ts'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_device_ts')
        batch_op.drop_index('ix_audit_ts')

    op.drop_table('audit')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_state')

    op.drop_table('alert')
