"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('battery_cell',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('ts', sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql'), nullable=False),
    sa.Column('module', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cell', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('voltage', sa.Double(), nullable=True),
    sa.PrimaryKeyConstraint('device', 'ts', 'module', 'cell')
    )
    with op.batch_alter_table('battery_cell', schema=None) as batch_op:
        batch_op.create_index('ix_battery_cell_ts', ['ts'], unique=False)

    op.create_table('conext_mppt',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('ts', sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql'), nullable=False),
    sa.Column('device_name', sa.String(length=64), nullable=False),
    sa.Column('dc_input_voltage', sa.Double(), nullable=True),
    sa.Column('dc_input_current', sa.Double(), nullable=True),
    sa.Column('dc_input_power', sa.Double(), nullable=True),
    sa.Column('dc_output_voltage', sa.Double(), nullable=True),
    sa.Column('dc_output_current', sa.Double(), nullable=True),
    sa.Column('dc_output_power', sa.Double(), nullable=True),
    sa.Column('dc_output_power_percentage', sa.Double(), nullable=True),
    sa.Column('energy_pv_day', sa.Double(), nullable=True),
    sa.Column('energy_pv_week', sa.Double(), nullable=True),
    sa.Column('energy_pv_month', sa.Double(), nullable=True),
    sa.Column('energy_pv_year', sa.Double(), nullable=True),
    sa.Column('mppt_status', sa.String(length=255), nullable=True),
    sa.Column('mppt_charger_status', sa.String(length=255), nullable=True),
    sa.Column('mppt_active_warnings_status', sa.String(length=255), nullable=True),
    sa.Column('mppt_active_faults_status', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('device', 'ts')
    )
    with op.batch_alter_table('conext_mppt', schema=None) as batch_op:
        batch_op.create_index('ix_conext_mppt_name_ts', ['device_name', 'ts'], unique=False)
        batch_op.create_index('ix_conext_mppt_ts', ['ts'], unique=False)

    op.create_table('conext_xw',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('ts', sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql'), nullable=False),
    sa.Column('device_name', sa.String(length=64), nullable=False),
    sa.Column('grid_voltage', sa.Double(), nullable=True),
    sa.Column('grid_current', sa.Double(), nullable=True),
    sa.Column('grid_power', sa.Double(), nullable=True),
    sa.Column('grid_frequency', sa.Double(), nullable=True),
    sa.Column('load_voltage', sa.Double(), nullable=True),
    sa.Column('load_current', sa.Double(), nullable=True),
    sa.Column('load_power', sa.Double(), nullable=True),
    sa.Column('load_frequency', sa.Double(), nullable=True),
    sa.Column('inverter_dc_current', sa.Double(), nullable=True),
    sa.Column('inverter_dc_power', sa.Double(), nullable=True),
    sa.Column('energy_grid_month', sa.Double(), nullable=True),
    sa.Column('energy_load_month', sa.Double(), nullable=True),
    sa.Column('energy_battery_month', sa.Double(), nullable=True),
    sa.Column('battery_low_voltage', sa.Double(), nullable=True),
    sa.Column('battery_low_voltage_delay', sa.Double(), nullable=True),
    sa.Column('battery_hysteresis', sa.Double(), nullable=True),
    sa.Column('inverter_status', sa.String(length=255), nullable=True),
    sa.Column('inverter_active_warnings_status', sa.String(length=255), nullable=True),
    sa.Column('inverter_active_faults_status', sa.String(length=255), nullable=True),
    sa.Column('inverter_grid_support_status', sa.String(length=255), nullable=True),
    sa.Column('inverter_load_shave_status', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('device', 'ts')
    )
    with op.batch_alter_table('conext_xw', schema=None) as batch_op:
        batch_op.create_index('ix_conext_xw_name_ts', ['device_name', 'ts'], unique=False)
        batch_op.create_index('ix_conext_xw_ts', ['ts'], unique=False)

    op.create_table('device_health',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('ts', sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql'), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('device', 'ts')
    )
    with op.batch_alter_table('device_health', schema=None) as batch_op:
        batch_op.create_index('ix_device_health_ts', ['ts'], unique=False)

    op.create_table('energy_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('pv_kwh', sa.Double(), nullable=True),
    sa.Column('load_kwh', sa.Double(), nullable=True),
    sa.Column('grid_import_kwh', sa.Double(), nullable=True),
    sa.Column('grid_export_kwh', sa.Double(), nullable=True),
    sa.Column('battery_in_kwh', sa.Double(), nullable=True),
    sa.Column('battery_out_kwh', sa.Double(), nullable=True),
    sa.Column('self_consumption', sa.Double(), nullable=True),
    sa.Column('autarky', sa.Double(), nullable=True),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('energy_role',
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('role', 'device', 'metric')
    )
    op.create_table('jk_pack',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('ts', sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql'), nullable=False),
    sa.Column('soc', sa.Double(), nullable=True),
    sa.Column('soh', sa.Double(), nullable=True),
    sa.Column('voltage', sa.Double(), nullable=True),
    sa.Column('current', sa.Double(), nullable=True),
    sa.Column('power', sa.Double(), nullable=True),
    sa.Column('temperature', sa.Double(), nullable=True),
    sa.Column('cell_voltage_min', sa.Double(), nullable=True),
    sa.Column('cell_voltage_max', sa.Double(), nullable=True),
    sa.Column('cell_voltage_delta', sa.Double(), nullable=True),
    sa.Column('capacity_remaining', sa.Double(), nullable=True),
    sa.Column('capacity_full', sa.Double(), nullable=True),
    sa.Column('cycles', sa.Integer(), nullable=True),
    sa.Column('charge_mosfet', sa.Boolean(), nullable=True),
    sa.Column('discharge_mosfet', sa.Boolean(), nullable=True),
    sa.Column('alarms', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('device', 'ts')
    )
    with op.batch_alter_table('jk_pack', schema=None) as batch_op:
        batch_op.create_index('ix_jk_pack_ts', ['ts'], unique=False)

    op.create_table('metric',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('device', 'metric')
    )
    op.create_table('must_pv1800',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('ts', sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql'), nullable=False),
    sa.Column('battery_voltage', sa.Double(), nullable=True),
    sa.Column('battery_current', sa.Double(), nullable=True),
    sa.Column('battery_power', sa.Double(), nullable=True),
    sa.Column('pv_voltage', sa.Double(), nullable=True),
    sa.Column('pv_power', sa.Double(), nullable=True),
    sa.Column('grid_voltage', sa.Double(), nullable=True),
    sa.Column('grid_power', sa.Double(), nullable=True),
    sa.Column('load_power', sa.Double(), nullable=True),
    sa.Column('grid_frequency', sa.Double(), nullable=True),
    sa.Column('on_grid', sa.Boolean(), nullable=True),
    sa.Column('work_state', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('device', 'ts')
    )
    with op.batch_alter_table('must_pv1800', schema=None) as batch_op:
        batch_op.create_index('ix_must_pv1800_ts', ['ts'], unique=False)

    op.create_table('pylontech_bms',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('device_name', sa.String(length=64), nullable=False),
    sa.Column('ts', sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql'), nullable=False),
    sa.Column('soc', sa.Double(), nullable=True),
    sa.Column('voltage', sa.Double(), nullable=True),
    sa.Column('current', sa.Double(), nullable=True),
    sa.Column('temperature', sa.Double(), nullable=True),
    sa.Column('cell_voltage_min', sa.Double(), nullable=True),
    sa.Column('cell_voltage_max', sa.Double(), nullable=True),
    sa.Column('b_status', sa.String(length=255), nullable=True),
    sa.Column('v_status', sa.String(length=255), nullable=True),
    sa.Column('c_status', sa.String(length=255), nullable=True),
    sa.Column('t_status', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('device', 'device_name', 'ts')
    )
    with op.batch_alter_table('pylontech_bms', schema=None) as batch_op:
        batch_op.create_index('ix_pylontech_bms_name_ts', ['device_name', 'ts'], unique=False)
        batch_op.create_index('ix_pylontech_bms_ts', ['ts'], unique=False)

    op.create_table('rollup_1h',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('bucket', sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql'), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('minimum', sa.Double(), nullable=True),
    sa.Column('mean', sa.Double(), nullable=True),
    sa.Column('maximum', sa.Double(), nullable=True),
    sa.Column('energy_in_kwh', sa.Double(), nullable=True),
    sa.Column('energy_out_kwh', sa.Double(), nullable=True),
    sa.PrimaryKeyConstraint('device', 'metric', 'bucket')
    )
    with op.batch_alter_table('rollup_1h', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_1h_bucket', ['bucket'], unique=False)

    op.create_table('rollup_1m',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('bucket', sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql'), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('minimum', sa.Double(), nullable=True),
    sa.Column('mean', sa.Double(), nullable=True),
    sa.Column('maximum', sa.Double(), nullable=True),
    sa.Column('energy_in_kwh', sa.Double(), nullable=True),
    sa.Column('energy_out_kwh', sa.Double(), nullable=True),
    sa.PrimaryKeyConstraint('device', 'metric', 'bucket')
    )
    with op.batch_alter_table('rollup_1m', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_1m_bucket', ['bucket'], unique=False)

    op.create_table('sample',
    sa.Column('device', sa.String(length=64), nullable=False),
    sa.Column('ts', sa.DateTime().with_variant(mysql.DATETIME(fsp=3), 'mariadb').with_variant(mysql.DATETIME(fsp=3), 'mysql'), nullable=False),
    sa.Column('driver', sa.String(length=64), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('alarms', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('device', 'ts')
    )
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.create_index('ix_sample_ts', ['ts'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.drop_index('ix_sample_ts')

    op.drop_table('sample')
    with op.batch_alter_table('rollup_1m', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_1m_bucket')

    op.drop_table('rollup_1m')
    with op.batch_alter_table('rollup_1h', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_1h_bucket')

    op.drop_table('rollup_1h')
    with op.batch_alter_table('pylontech_bms', schema=None) as batch_op:
        batch_op.drop_index('ix_pylontech_bms_ts')
        batch_op.drop_index('ix_pylontech_bms_name_ts')

    op.drop_table('pylontech_bms')
    with op.batch_alter_table('must_pv1800', schema=None) as batch_op:
        batch_op.drop_index('ix_must_pv1800_ts')

    op.drop_table('must_pv1800')
    op.drop_table('metric')
    with op.batch_alter_table('jk_pack', schema=None) as batch_op:
        batch_op.drop_index('ix_jk_pack_ts')

    op.drop_table('jk_pack')
    op.drop_table('energy_role')
    op.drop_table('energy_daily')
    with op.batch_alter_table('device_health', schema=None) as batch_op:
        batch_op.drop_index('ix_device_health_ts')

    op.drop_table('device_health')
    with op.batch_alter_table('conext_xw', schema=None) as batch_op:
        batch_op.drop_index('ix_conext_xw_ts')
        batch_op.drop_index('ix_conext_xw_name_ts')

    op.drop_table('conext_xw')
    with op.batch_alter_table('conext_mppt', schema=None) as batch_op:
        batch_op.drop_index('ix_conext_mppt_ts')
        batch_op.drop_index('ix_conext_mppt_name_ts')

    op.drop_table('conext_mppt')
    with op.batch_alter_table('battery_cell', schema=None) as batch_op:
        batch_op.drop_index('ix_battery_cell_ts')

    op.drop_table('battery_cell')
