"""Samples -> rows, per driver (no database needed, but for what a new writer reads back from one)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from solarctl.sample import PollError, Sample
from solarctl.store import migrate, schema
from solarctl.store.config import StorageConfig
from solarctl.store.engine import make_engine
from solarctl.store.records import encode
from solarctl.store.rows import Carry, sample_rows, ts_of
from solarctl.store.writer import BatchWriter


def rows(sample, driver):
    return sample_rows([encode(sample)[1]], {sample.device: driver})


def test_timestamp_is_utc_millisecond_and_stable():
    assert ts_of(1_700_000_000.1234) == datetime(2023, 11, 14, 22, 13, 20, 123000)
    assert ts_of(1_700_000_000.1234) == ts_of(1_700_000_000.1234000001)


def test_conext_device_name_falls_back_to_configured_name_and_coerces_types():
    out = rows(Sample("inv", 0.0, {"grid_power": True, "load_power": "n/a", "grid_voltage": float("nan"),
                                   "inverter_status": 1039, "inverter_active_warnings_status": ["A", "B"],
                                   "inverter_load_shave_status": "x" * 300}), "conext_xw")
    (xw,) = out[schema.conext_xw]
    assert xw["device_name"] == "inv"
    assert (xw["grid_power"], xw["load_power"], xw["grid_voltage"]) == (-1.0, None, None)  # the XW's raw sign (- import)
    assert xw["inverter_status"] == "1039" and xw["inverter_active_warnings_status"] == "A, B"
    assert len(xw["inverter_load_shave_status"]) == schema.TEXT
    assert '"load_power":"n/a"' in out[schema.sample][0]["data"]  # the raw value is kept as polled


def test_pylontech_one_row_per_module_and_cells():
    s = Sample("stack", 0.0, {"soc": 70, "modules": [
        {"index": 1, "soc": 71, "current": -1.5, "base_state": "Dischg", "voltage_state": "Normal", "cell_voltages": [3.31, 3.32]},
        {"index": 3, "soc": 69, "temperature_state": "Normal"}]})
    out = rows(s, "pylontech_console")
    bms = out[schema.pylontech_bms]
    assert [(r["device_name"], r["soc"], r["current"], r["b_status"], r["v_status"], r["t_status"]) for r in bms] == [
        ("Battery: 1", 71.0, -1.5, "Dischg", "Normal", None), ("Battery: 3", 69.0, None, None, None, "Normal")]
    assert [(c["module"], c["cell"], c["voltage"]) for c in out[schema.battery_cell]] == [(1, 1, 3.31), (1, 2, 3.32)]


def test_jk_pack_pv1800_and_unknown_driver():
    jk = rows(Sample("jk", 0.0, {"soc": 80, "cycles": 12.0, "charge_mosfet": 1, "cell_voltages": [3.3] * 4}, alarms=("cell high",)), "jk_pb")
    (pack,) = jk[schema.jk_pack]
    assert (pack["cycles"], pack["charge_mosfet"], pack["alarms"]) == (12, True, "cell high")
    assert len(jk[schema.battery_cell]) == 4
    pv = rows(Sample("inv", 0.0, {"on_grid": False, "work_state": "OffGrid", "pv_power": 123}), "must_pv1800")
    assert pv[schema.must_pv1800][0]["on_grid"] is False and pv[schema.must_pv1800][0]["pv_power"] == 123.0
    other = rows(Sample("meter", 0.0, {"anything": 1}), None)
    assert len(other[schema.sample]) == 1 and sum(len(v) for v in other.values()) == 1
    assert sample_rows([encode(PollError("x", 0.0, "timeout"))[1]], {}) [schema.sample] == []


def test_a_batch_gives_the_rows_of_its_samples_one_by_one():
    """Device rows are converted a table at a time; one odd value in a batch must not change the others' rows."""
    good = {"device_name": "XW", "grid_power": 100.5, "load_power": 0.0, "inverter_status": "Invert"}
    odd = {"device_name": "XW", "grid_power": float("inf"), "load_power": "n/a", "inverter_status": "x" * 300}
    stack = {"soc": 70, "modules": [{"index": 1, "soc": 71.0, "base_state": "Charge"}, {"index": 2, "soc": float("nan"), "base_state": ["A", "B"]}]}
    samples = [Sample("xw", t, v) for t, v in enumerate([good, odd, good, {}, good])] + [Sample("stack", 9.0, stack), Sample("stack", 10.0, {"modules": []})]
    drivers = {"xw": "conext_xw", "stack": "pylontech_console"}
    recs = [encode(s)[1] for s in samples]
    whole = sample_rows(recs, drivers)
    carry = Carry()  # what a batch carries from sample to sample (the name, the settings), carried between the calls
    one_by_one = {t: [row for rec in recs for row in sample_rows([rec], drivers, carry)[t]] for t in whole}
    assert whole == one_by_one
    assert [r["grid_power"] for r in whole[schema.conext_xw]] == [-100.5, None, -100.5, None, -100.5]  # the XW's raw sign
    assert [r["soc"] for r in whole[schema.pylontech_bms]] == [71.0, None]
    assert whole[schema.pylontech_bms][1]["b_status"] == "A, B"


def test_conext_rows_keep_the_xanbus_name_and_the_settings_of_earlier_polls():
    """The first poll reads the "once" and "slow" groups, later ones the fast group only: every row still has
    the name and the settings, and a later slow read (or a write read back) changes them from its row on."""
    first = {"device_name": "MPPT: West", "dc_output_power": 100.0}
    fast = {"dc_output_power": 120.0}
    xw_first = {"device_name": "XW+ 8548 E", "grid_power": 500.0, "grid_current": 2.0, "battery_low_voltage": 45.5,
                "battery_hysteresis": 2.0, "battery_low_voltage_delay": 5.0, "inverter_load_shave_status": "Enable",
                "inverter_grid_support_status": "Disable"}
    samples = [Sample("west", 0.0, first), Sample("west", 1.0, fast), Sample("xw", 0.0, xw_first),
               Sample("xw", 1.0, {"grid_power": -300.0}), Sample("xw", 2.0, {"grid_power": 0.0, "battery_low_voltage": 46.0})]
    out = sample_rows([encode(s)[1] for s in samples], {"west": "conext_mppt", "xw": "conext_xw"})
    assert [(r["device_name"], r["dc_output_power"]) for r in out[schema.conext_mppt]] == [("MPPT: West", 100.0), ("MPPT: West", 120.0)]
    xw = out[schema.conext_xw]
    assert {r["device_name"] for r in xw} == {"XW+ 8548 E"}
    assert [(r["battery_low_voltage"], r["battery_hysteresis"], r["inverter_load_shave_status"]) for r in xw] == [
        (45.5, 2.0, "Enable"), (45.5, 2.0, "Enable"), (46.0, 2.0, "Enable")]
    assert [(r["grid_power"], r["grid_current"]) for r in xw] == [(-500.0, -2.0), (300.0, None), (0.0, None)]  # the XW's raw sign
    assert '"grid_power":500.0' in out[schema.sample][2]["data"]  # samples keep + import


def test_after_a_restart_the_rows_keep_the_name_and_settings_stored_before(tmp_path):
    """A new writer (a restart, or a spool replayed after one) starts from the device's newest stored row."""
    engine = make_engine(f"sqlite:///{tmp_path}/s.db")
    migrate.upgrade(engine)
    drivers = {"xw": "conext_xw"}
    first = Sample("xw", 0.0, {"device_name": "XW+ 8548 E", "grid_power": 1.0, "battery_low_voltage": 46.0, "inverter_load_shave_status": "Enable"})
    BatchWriter(engine, drivers, StorageConfig()).write([encode(first)[1]])
    BatchWriter(engine, drivers, StorageConfig()).write([encode(Sample("xw", 1.0, {"grid_power": 2.0}))[1]])
    with engine.connect() as conn:
        rows_ = conn.execute(select(schema.conext_xw.c.device_name, schema.conext_xw.c.battery_low_voltage,
                                    schema.conext_xw.c.inverter_load_shave_status).order_by(schema.conext_xw.c.ts)).all()
    assert [tuple(r) for r in rows_] == [("XW+ 8548 E", 46.0, "Enable")] * 2
    engine.dispose()
