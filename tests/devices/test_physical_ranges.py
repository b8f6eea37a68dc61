"""Values are physical or refused (issue 19.4): every numeric metric of every driver has a physical range, and the
consistency rules of a catalogue refuse values that break them, naming both values."""

from __future__ import annotations

import pytest

from solarctl.devices import registry
from solarctl.devices.description import AtMost, Catalogue, Metric, Product, Share, SumOf
from solarctl.errors import DecodeError


def _numeric(metric: Metric) -> bool:
    """A number, or a list of numbers (a list with a unit: cells, temperatures)."""
    return metric.kind not in ("enum", "on_off", "list") or (metric.kind == "list" and bool(metric.unit))


def _without_range(metrics, where: str) -> list[str]:
    missing = []
    for metric in metrics:
        if metric.fields:
            missing += _without_range(metric.fields, f"{where}{metric.name}.")
        elif _numeric(metric) and metric.valid is None:
            missing.append(f"{where}{metric.name}")
    return missing


@pytest.mark.parametrize("driver", sorted(registry.DRIVERS))
def test_every_numeric_metric_has_a_physical_range(driver):
    catalogue = registry.DRIVERS[driver].metrics
    assert _without_range(catalogue, f"{driver}: ") == []
    for metric in catalogue:
        if metric.valid is not None:
            low, high = metric.valid
            assert low < high, f"{driver}: {metric.name} has an empty range {metric.valid}"


def test_a_numeric_metric_without_a_range_is_found():
    assert _without_range([Metric("voltage", "V"), Metric("state", kind="enum")], "") == ["voltage"]


def test_rules_must_name_metrics_of_the_catalogue():
    with pytest.raises(ValueError, match="capacity_ful"):
        Catalogue(Metric("capacity_remaining", "Ah", valid=(0, 10)),
                  rules=(AtMost("capacity_remaining", "capacity_ful"),)).metrics


BATTERY = Catalogue(
    Metric("voltage", "V", valid=(0, 110)), Metric("current", "A", valid=(-600, 600)),
    Metric("power", "W", valid=(-66000, 66000)), Metric("soc", "%", valid=(0, 100)),
    Metric("capacity_remaining", "Ah", valid=(0, 2000)), Metric("capacity_full", "Ah", valid=(0, 2000)),
    Metric("cell_voltages", "V", "list", valid=(0.5, 5)), Metric("cell_count", valid=(1, 32)),
    Metric("charge_overcurrent_protection", "A", valid=(0, 600)),
    rules=(AtMost("capacity_remaining", "capacity_full"), Share("soc", "capacity_remaining", "capacity_full"),
           SumOf("cell_voltages", "voltage"), Product("voltage", "current", "power"),
           AtMost("cell_count", "cell_voltages"),
           AtMost("current", "charge_overcurrent_protection", factor=2.0, slack=5.0)),
)
GOOD = {"voltage": 13.2, "current": 2.0, "power": 26.4, "soc": 50, "capacity_remaining": 50.0, "capacity_full": 100.0,
        "cell_voltages": [3.3, 3.3, 3.3, 3.3], "cell_count": 4, "charge_overcurrent_protection": 5.0}


@pytest.mark.parametrize("change, says", [
    ({"capacity_remaining": 1297.7, "soc": 100},
     r"capacity_remaining = 1297\.7 Ah is above capacity_full \(capacity_full = 100 Ah\)"),
    ({"soc": 5}, r"soc = 5 % is not capacity_remaining / capacity_full \(50 / 100 = 50\.0 %\)"),
    ({"voltage": 3.3, "power": 6.6}, r"voltage = 3\.3 V is not the sum of cell_voltages \(13\.200\)"),
    ({"power": 2600}, r"power = 2600 W is not voltage x current"),
    ({"cell_count": 14}, r"cell_count = 14 is above cell_voltages \(cell_voltages = 4 entries\)"),
    ({"current": 206.08, "power": 2720.3}, r"current = 206\.08 A is above 2 x charge_overcurrent_protection"),
])
def test_values_that_must_agree_and_do_not_are_refused_with_both_named(change, says):
    BATTERY.check(GOOD)
    with pytest.raises(DecodeError, match=says):
        BATTERY.check({**GOOD, **change})


def test_a_rule_is_checked_only_when_the_reading_holds_its_operands():
    BATTERY.check({"capacity_remaining": 1297.7, "soc": 100})  # no capacity_full: nothing to compare with
    BATTERY.check({**GOOD, "capacity_full": None, "soc": 5})
    BATTERY.check({**GOOD, "voltage": [13.2], "power": 9999})  # a list where a number belongs: no rule of numbers


@pytest.mark.parametrize("driver", sorted(registry.DRIVERS))
def test_answer_ranges_name_no_metric_of_the_catalogue(driver):
    description = registry.DRIVERS[driver]
    description.check_answer_table({})  # builds the answer ranges: raises on a name the catalogue has
    assert all(low < high for low, high in description.answer_valid.values())


def test_a_console_row_value_outside_its_range_is_refused_though_the_driver_does_not_publish_it():
    """A `pwr` row's Thigh (not a published metric) read as 514 degC: refused by `answer_valid`."""
    from solarctl.decoders import decoder_for
    from tests.pylontech.captures import B66_PWR, capture

    data = capture(B66_PWR)
    row = b"1     50691  3806   17000  13000  14000  3378"  # Power Volt Curr Tempr Tlow Thigh Vlow
    assert row in data
    decoder_for("pylontech-console")(data)
    with pytest.raises(DecodeError, match="temperature_max = 514"):
        decoder_for("pylontech-console")(data.replace(row, row.replace(b"  14000", b" 514000")))
