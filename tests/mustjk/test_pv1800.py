"""MUST PV1800 register map, identity check and derived values.

Expected values come from the vendor protocol sheet (reference/must-jk/pv1800_*_registers_*.csv,
*_alarm_bits.csv) and the frames in reference/must-jk/test_vectors_frames.txt; see
tests/data/SOURCES.md.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solarctl.devices.must_pv1800 import PV1800, NotPV1800, derive, identify
from solarctl.errors import DecodeError
from solarctl.registers import Register, RegisterMap, WriteRejected, encode, plan_blocks, plan_map
from solarctl.registers.codec import check_write

FORBIDDEN = ((20016, 20100), (10009, 10100))  # inclusive; ha-must-inverter: reads there crash the inverter


def _touches(block) -> bool:
    return any(block.start <= last and block.end - 1 >= first for first, last in FORBIDDEN)


def test_map_declares_the_dangerous_spans():
    assert set(PV1800.forbidden) == set(FORBIDDEN)
    with pytest.raises(ValueError, match="forbidden"):
        RegisterMap("x", (Register("bad", 20050, "u16"),), forbidden=PV1800.forbidden)


@settings(max_examples=150, deadline=None)
@given(
    max_gap=st.integers(0, 20000),
    max_count=st.integers(2, 125),  # the widest register is 2 words
    picks=st.lists(st.integers(0, len(PV1800.registers) - 1), min_size=1, unique=True),
)
def test_planner_never_touches_the_forbidden_spans(max_gap, max_count, picks):
    for registers in (PV1800.registers, [PV1800.registers[i] for i in picks]):
        blocks = plan_blocks(registers, max_gap=max_gap, max_count=max_count, forbidden=PV1800.forbidden)
        assert not any(_touches(b) for b in blocks)
        assert {r.name for b in blocks for r in b.registers} == {r.name for r in registers}


@settings(max_examples=50, deadline=None)
@given(max_gap=st.integers(0, 20000), groups=st.sets(st.sampled_from(["fast", "slow", "once"]), min_size=1))
def test_map_planning_never_touches_the_forbidden_spans(max_gap, groups):
    assert not any(_touches(b) for b in plan_map(PV1800, *groups, max_gap=max_gap))


def test_identity_first_read_is_the_published_frame():
    # test_vectors_frames.txt: "read 20000 x1  04 03 4E 20 00 01 92 BD" (0x4E20 = 20000)
    assert PV1800["machine_type"].address == int.from_bytes(bytes.fromhex("4E20"), "big")


@pytest.mark.parametrize("word, model", [(0x5056, "PV1800"), (0x5048, "PH1800"), (0x4550, "EP1800")])
def test_identify_accepts_the_1800_family(word, model):
    assert identify([word, 1800]) == model
    assert identify([word, 1800, 0x1234, 0x5678]) == model  # more of the ident block may follow


@pytest.mark.parametrize(
    "words, message",
    [
        ([0x1234, 1800], "not a PV1800: register 20000 = 0x1234"),
        ([0x0000, 1800], "not a PV1800: register 20000 = 0x0000"),
        ([0x5056, 3500], "not a PV1800: register 20001 = 3500"),
        ([0x5056], "not a PV1800: need registers 20000 and 20001"),
    ],
)
def test_identify_refuses_other_devices_clearly(words, message):
    with pytest.raises(NotPV1800, match=message):
        identify(words)
    assert issubclass(NotPV1800, DecodeError)


def _words_for(block, raw: dict[int, int]) -> list[int]:
    return [raw.get(block.start + i, 0) for i in range(block.count)]


def _decode_fast(raw: dict[int, int]) -> dict:
    values = {}
    for block in plan_map(PV1800, "fast"):
        values.update(block.decode(_words_for(block, raw), PV1800.byte_order))
    return values


def test_fast_blocks_are_the_vendor_realtime_blocks():
    # test_vectors_frames.txt: read 15201 x22 / 25201 x79 (15222 is reserved, not needed)
    assert [(b.start, b.count) for b in plan_map(PV1800, "fast")] == [(15201, 21), (25201, 79)]


def test_signed_registers_decode_negative():
    values = _decode_fast({25211: 0xFFEC, 25212: 0x0023, 25213: 0xFF38, 25273: 0xFE0C, 25274: 0xFFF6, 15209: 0xFFFB})
    assert values["grid_current"] == -2.0  # 0.1 A, signed
    assert values["load_current"] == 3.5
    assert values["inverter_power"] == -200
    assert values["battery_power"] == -500  # W, signed (not alpet83's x0.01 unsigned)
    assert values["battery_current"] == -10
    assert values["charger_radiator_temperature"] == -5


def test_scaled_values_in_si_units():
    values = _decode_fast({25205: 532, 25207: 2301, 25226: 4998, 15205: 1234, 15208: 850, 25216: 42})
    assert values["battery_voltage"] == 53.2
    assert values["grid_voltage"] == 230.1
    assert values["grid_frequency"] == 49.98
    assert values["pv_voltage"] == 123.4
    assert values["pv_power"] == 850
    assert values["load_percent"] == 42


def test_energy_counters_are_high_times_1000_plus_low_times_0_1_kwh():
    # Vendor sheet: "Accumulated buy power high 1000KWH / low 0.1KWH".
    values = _decode_fast({25249: 12, 25250: 3456, 15217: 0, 15218: 7, 25251: 1, 25252: 0})
    assert values["energy_grid_import_total"] == 12345.6
    assert values["energy_pv_total"] == 0.7
    assert values["energy_grid_export_total"] == 1000.0
    for name in ("energy_pv_total", "energy_grid_import_total", "energy_grid_export_total", "energy_battery_charge_total"):
        assert PV1800[name].unit == "kWh"


def test_bit_fields_decode_to_the_vendor_names():
    values = _decode_fast({25261: 0b101, 25262: 1 << 12, 25265: 1 << 3, 15213: 1 << 4, 15214: 1, 25263: 1 << 2})
    assert values["inverter_errors_1"] == ["Fan is locked when inverter is off", "battery voltage is too high"]
    assert values["inverter_errors_2"] == ["Battery connection is open"]
    assert values["inverter_warnings_1"] == ["Low battery"]
    assert values["charger_errors"] == ["PV voltage is too high"]
    assert values["charger_warnings"] == ["Fan Error"]
    assert values["inverter_errors_3"] == ["inverter error 3 bit 2 (reserved)"]  # no names published
    assert derive(values)["alarms"] == [
        "PV voltage is too high",
        "Fan Error",
        "Fan is locked when inverter is off",
        "battery voltage is too high",
        "Battery connection is open",
        "inverter error 3 bit 2 (reserved)",
        "Low battery",
    ]


def test_states_decode_to_text():
    values = _decode_fast({25201: 3, 15201: 2, 15202: 1, 15203: 2, 25238: 1})
    assert values["work_state"] == "Grid-Tie"
    assert values["charger_work_state"] == "Work"
    assert values["mppt_state"] == "MPPT"
    assert values["charging_state"] == "Float"
    assert values["grid_relay"] == "connected"


@pytest.mark.parametrize(
    "state, on_grid",
    [(0, False), (1, False), (2, False), (3, True), (4, True), (5, False), (6, True)],
)
def test_on_grid_follows_the_work_state(state, on_grid):
    assert derive(_decode_fast({25201: state}))["on_grid"] is on_grid


GRID_TO_MACHINE, MACHINE_TO_GRID = 0b10 << 8, 0b01 << 8
MACHINE_TO_BATTERY, BATTERY_TO_MACHINE = 0b01 << 6, 0b10 << 6


def _exporting(arrows: int, grid_current: int = 0) -> dict:
    # PGrid 25214 reads 0 while exporting; S = 1000 VA, Q = 600 var -> |P| = 800 W.
    return derive(_decode_fast({25214: 0, 25218: 1000, 25222: 600, 25279: arrows, 25211: grid_current & 0xFFFF}))


def test_grid_power_while_exporting_is_negative():
    values = _exporting(MACHINE_TO_GRID)
    assert values["grid_power"] == -800
    assert values["grid_power_factor"] == 0.8


def test_grid_power_while_importing_with_a_zero_reading_is_positive():
    assert _exporting(GRID_TO_MACHINE)["grid_power"] == 800


def test_grid_power_sign_falls_back_to_the_grid_current():
    assert _exporting(0, grid_current=-35)["grid_power"] == -800
    assert _exporting(0b11 << 8, grid_current=35)["grid_power"] == 800


def test_grid_power_without_any_direction_is_unknown_not_guessed():
    values = _exporting(0, grid_current=0)
    assert values["grid_power"] is None
    assert "grid_power_factor" not in values


def test_grid_power_reading_is_kept_when_nonzero():
    values = derive(_decode_fast({25214: 450, 25218: 500, 25222: 100, 25279: MACHINE_TO_GRID}))
    assert values["grid_power"] == 450
    assert values["grid_power_factor"] == 0.9


@pytest.mark.parametrize("arrows, sign", [(MACHINE_TO_BATTERY, 1), (BATTERY_TO_MACHINE, -1)])
@pytest.mark.parametrize("raw_power, raw_current", [(500, 10), (0xFE0C, 0xFFF6)])
def test_battery_sign_is_positive_while_charging(arrows, sign, raw_power, raw_current):
    values = derive(_decode_fast({25273: raw_power, 25274: raw_current, 25279: arrows}))
    assert values["battery_power"] == sign * 500
    assert values["battery_current"] == sign * 10


def test_charger_run_time_is_summed_in_seconds():
    values = derive(_decode_fast({15219: 2, 15220: 3, 15221: 4}))
    assert values["charger_operating_time"] == 2 * 86400 + 3 * 3600 + 4 * 60
    assert "charger_time_days" not in values


def test_public_metric_names_are_present():
    values = derive(_decode_fast({}))
    for name in (
        "battery_voltage", "battery_current", "battery_power", "pv_voltage", "pv_power", "grid_voltage",
        "grid_power", "load_power", "grid_frequency", "on_grid", "energy_pv_total", "energy_grid_import_total",
        "energy_grid_export_total", "energy_load_total",
    ):  # fmt: skip
        assert name in values, name


def test_every_writable_setting_has_a_range_or_a_choice():
    settings_ = PV1800.settings()
    assert len(settings_) >= 25
    for reg in settings_:
        assert reg.enum is not None or (reg.min is not None and reg.max is not None and reg.min < reg.max), reg.name
        assert reg.group == "slow"
        assert 20101 <= reg.address <= 20144 or 10101 <= reg.address <= 10124, reg.name


@pytest.mark.parametrize(
    "setting, value, frame",
    [
        # test_vectors_frames.txt FC06 frames: slave, 06, address, value (CRC is the Modbus layer's)
        ("grid_connection", "off-grid", "04064E890000"),
        ("grid_connection", "on-grid", "04064E890001"),
        ("export_current_limit", 5.0, "04064E910032"),
        ("grid_charge_current_limit", 2.0, "04064E9D0014"),
        ("discharge_to_grid", "on", "04064E8C0001"),
    ],
)
def test_key_settings_encode_to_the_published_writes(setting, value, frame):
    reg = PV1800.setting(setting)
    expected = bytes.fromhex(frame)
    assert reg is not None and reg.writable
    assert reg.address == int.from_bytes(expected[2:4], "big")
    assert encode(reg, check_write(reg, value)) == [int.from_bytes(expected[4:6], "big")]


@pytest.mark.parametrize(
    "setting, bad",
    [("export_current_limit", 21.8), ("export_current_limit", 0.9), ("grid_charge_current_limit", 80.1), ("grid_connection", 2), ("float_voltage", 58.5)],
)
def test_out_of_range_settings_are_refused(setting, bad):
    with pytest.raises(WriteRejected):
        check_write(PV1800.setting(setting), bad)


def test_setting_values_are_si():
    assert check_write(PV1800.setting("equalization_time"), 9000) == 9000  # 150 min in seconds
    assert encode(PV1800["equalization_time"], 9000) == [150]
    with pytest.raises(WriteRejected):
        check_write(PV1800["equalization_time"], 60)  # 1 min < 5 min


CALIBRATION = [20009, 20010, 20011, 20012, 20013, 20014, 20015, 10006, 10007, 10008]


@pytest.mark.parametrize("address", CALIBRATION)
def test_calibration_registers_are_never_writable(address):
    (reg,) = [r for r in PV1800 if r.address == address]
    assert PV1800.setting(reg.name) is None
    with pytest.raises(WriteRejected, match="read-only"):
        check_write(reg, 16384)


def test_load_current_calibration_20016_is_not_in_the_map():
    assert not [r for r in PV1800 if r.address <= 20016 < r.address + r.count]
