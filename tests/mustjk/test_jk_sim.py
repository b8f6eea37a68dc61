"""JK PB driver against simulated packs on one real pty bus, in each of the three protocols: values
from the plant's battery modules, switch writes read back, averaging, echo and noise dropped,
corrupt and misaddressed answers refused, and an inverter sharing the bus with a 4E57 pack."""

import pytest

from solarctl.bus.errors import BadFrame
from solarctl.bus.serial_link import ModbusRtuLink
from solarctl.clock import SystemClock
from solarctl.config import validate_config
from solarctl.devices.jk import pb_bus, proto4e57
from solarctl.devices.jk.driver import averaged
from solarctl.devices.registry import make_device
from solarctl.plant import Plant
from solarctl.sample import PollError
from solarctl.sim.jk import JkPack, NwPack, PbBusPack
from solarctl.sim.rtu_server import RtuServer
from tests.mustjk.simulated import NOON, PLANT, inverter, packs, server, simulated, site_config, writer

PROTOCOLS = ["modbus", "55aa", "4e57"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_packs_on_one_bus_read_the_plant_modules_and_switch(tmp_path, protocol):
    cfg = site_config(tmp_path, packs(tmp_path, protocol, units=(1, 2)))
    async with simulated(cfg, start=NOON) as (plant, site, install):
        results = await install.poll_once()
        bat = plant.battery
        assert bat.current_a > 5  # PV charging at noon
        for index, name in enumerate(("bms1", "bms2")):
            v = results[name].values
            cells = bat.cell_voltages(index)
            assert v["cell_voltages"] == pytest.approx(cells, abs=0.0011)
            assert v["voltage"] == pytest.approx(bat.voltage_v, abs=0.011)
            assert v["current"] == pytest.approx(bat.module_current_a(index), abs=0.011) and v["current"] > 0
            assert v["soc"] == round(bat.module_soc_pct(index))
            assert v["temperature"] == pytest.approx(bat.module_temperature_c(index), abs=0.51)
            assert v["cell_voltage_min"] == pytest.approx(min(cells), abs=0.0011)
            assert v["charge_mosfet"] is True and v["charge_enabled"] == "on" and v["alarms"] == []
        assert results["bms1"].values["current"] != results["bms2"].values["current"]  # each pack is its own module
        safe = writer(install)
        out = await safe.write("bms2", "charge_enabled", "off")
        assert out.outcome == "written" and out.after == "off", out.describe()
        results = await install.poll_once()
        assert results["bms2"].values["charge_enabled"] == "off" and results["bms2"].values["charge_mosfet"] is False
        assert results["bms1"].values["charge_mosfet"] is True  # the other pack is untouched
        assert all(d.health.bad_frames == d.health.timeouts == 0 for d in install.devices.values())


@pytest.mark.parametrize("protocol", ["55aa", "4e57"])
async def test_echo_and_line_noise_are_dropped(tmp_path, protocol):
    async with simulated(site_config(tmp_path, packs(tmp_path, protocol, units=(1, 2)))) as (plant, site, install):
        sim = server(site, "bms1")
        sim.faults.echo = True
        sim.faults.noise = bytes.fromhex("00 ff 55 aa eb 4e 57 00 01 10")  # starts of frames, cut short
        results = await install.poll_once()
        assert all(not isinstance(r, PollError) for r in results.values()), results
        assert results["bms2"].values["voltage"] == pytest.approx(plant.battery.voltage_v, abs=0.011)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_corrupt_answer_is_a_bad_frame_never_a_value(tmp_path, protocol):
    async with simulated(site_config(tmp_path, packs(tmp_path, protocol, units=(1, 2)))) as (plant, site, install):
        server(site, "bms1").faults.corrupt_units.add(2)
        results = await install.poll_once()
        assert isinstance(results["bms2"], PollError) and not isinstance(results["bms1"], PollError)
        assert install.device("bms2").health.bad_frames == 1
        server(site, "bms1").faults.clear()
        assert not isinstance((await install.poll_once())["bms2"], PollError)


class Impostor:
    """Answers for unit 2 but names unit 3 (a wrongly set DIP switch, a crossed bus)."""

    def __init__(self, pack, protocol):
        self.inner = PbBusPack(pack) if protocol == "55aa" else NwPack(pack)
        self.framer = getattr(self.inner, "framer", None)

    def answer(self, unit, pdu):
        reply = self.inner.answer(unit, pdu)
        return reply and reply.replace(pb_bus.ack(2, pb_bus.FrameType.LIVE), pb_bus.ack(3, pb_bus.FrameType.LIVE))

    def answer_frame(self, data):
        frame = proto4e57.parse_frame(self.inner.answer_frame(data))
        return proto4e57.build_frame(proto4e57.Frame(frame.command, frame.info, 3, frame.source, frame.transport))


@pytest.mark.parametrize("protocol, message", [("55aa", "answer came from unit 3, asked unit 2"),
                                               ("4e57", "answer came from terminal 3, asked terminal 2")])
async def test_an_answer_from_another_address_is_refused(tmp_path, pty_pair, protocol, message):
    cfg = site_config(tmp_path, packs(tmp_path, protocol, units=(2,)))
    pack = JkPack(Plant(cfg.plant, NOON), 0, 2)
    sim = RtuServer(pty_pair.b, 115200, {2: Impostor(pack, protocol)})
    await sim.start()
    device, link = make_device(cfg.device[0]), ModbusRtuLink("bus", pty_pair.a, 115200, SystemClock(), min_gap=0.12)
    try:
        with pytest.raises(BadFrame, match=message):
            await device.read(link, frozenset({"fast"}))
        assert device.health.bad_frames == 1
    finally:
        await link.close()
        await sim.stop()


async def test_averaging_reads_the_live_values_that_many_times(tmp_path):
    cfg = site_config(tmp_path, packs(tmp_path, "55aa", units=(1,), average=3))
    async with simulated(cfg) as (plant, site, install):
        values = (await install.poll_once())["bms1"].values
        triggers = [r for r in server(site, "bms1").requests if (r.function, r.address) == (0x10, 0x1620)]
        assert len(triggers) == 3 and values["averaged_reads"] == 3
        assert values["voltage"] == pytest.approx(plant.battery.voltage_v, abs=0.011)


def test_average_of_voltage_and_current_with_the_rest_from_the_last_read():
    samples = [{"voltage": 52.0, "current": -10.0, "soc": 60}, {"voltage": 53.0, "current": -4.0, "soc": 61},
               {"voltage": 54.1, "current": None, "soc": 62}]
    v = averaged(samples)
    assert (v["voltage"], v["current"], v["soc"], v["averaged_reads"]) == (53.033, -7.0, 62, 3)
    assert v["power"] == round(53.033 * -7.0, 3)


async def test_an_inverter_and_a_4e57_pack_share_one_bus(tmp_path):
    devices = [inverter(tmp_path, port=f"{tmp_path}/ttyRS485"), *packs(tmp_path, "4e57", units=(1,), baudrate=19200,
                                                                        port=f"{tmp_path}/ttyRS485")]
    async with simulated(validate_config({"device": devices, "plant": PLANT})) as (plant, site, install):
        assert len(install.links) == 1 and next(iter(install.links.values())).min_gap == 0.12  # the JK's gap rules the bus
        results = await install.poll_once()
        assert results["inverter"].values["model"] == "PV1800"
        assert results["bms1"].values["voltage"] == pytest.approx(plant.battery.voltage_v, abs=0.011)
        assert (await writer(install).write("bms1", "discharge_enabled", "off")).outcome == "written"
