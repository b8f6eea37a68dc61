"""the SCP adoption record (retention keeps out of adopted history); pylontech_bms.battery (the old module column)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql')


def upgrade() -> None:
    op.create_table('scp_adoption',
    sa.Column('source_table', sa.String(length=64), nullable=False),
    sa.Column('backup_table', sa.String(length=64), nullable=False),
    sa.Column('adopted_at', TIMESTAMP, nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('newest', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('source_table')
    )
    with op.batch_alter_table('pylontech_bms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('battery', sa.String(length=64), nullable=True))
    # Rows already there: the number of 'Battery: N' (9 characters before it).
    op.execute("UPDATE pylontech_bms SET battery = SUBSTR(device_name, 10) WHERE device_name LIKE 'Battery: %'")


def downgrade() -> None:
    with op.batch_alter_table('pylontech_bms', schema=None) as batch_op:
        batch_op.drop_column('battery')
    op.drop_table('scp_adoption')
