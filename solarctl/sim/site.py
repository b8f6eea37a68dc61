"""Every simulated device a config names, served where that config's devices poll, one plant behind all.

TCP devices sharing host:port become one gateway server; serial devices sharing a port become one
RS485 bus on a pty whose client end appears at the configured path (sim/pty.py); console devices get a
pty of their own. Each driver's description names its simulator; its wire says which of these it is.
"""

from __future__ import annotations

import errno
from collections import defaultdict
from typing import Any, TextIO

from solarctl.devices import registry
from solarctl.devices.config import DeviceTables, link_key
from solarctl.plant import Plant
from solarctl.sim.errors import SimulatorError
from solarctl.sim.faults import Faults
from solarctl.sim.modbus_tcp_server import ModbusTcpServer
from solarctl.sim.pty import PtyBridge
from solarctl.sim.rtu_server import RtuServer

class SimulatedSite:
    def __init__(self, config: DeviceTables, plant: Plant, *, bind_host: str | None = None,
                 request_file: TextIO | None = None) -> None:
        self.config = config
        self.request_file = request_file  # every request the simulators receive (with written values), one line each
        self.plant = plant
        self.bind_host = bind_host
        self.servers: dict[str, Any] = {}  # link (host:port or serial path) -> server (each has .faults)
        self.server_of: dict[str, Any] = {}  # device name -> the server simulating it
        self._bridges: list[PtyBridge] = []
        self.lines: list[str] = []  # where each simulated device is served, for people

    def faults(self, device: str) -> Faults:
        """The fault switches of the simulator behind `device` (shared with its link-mates)."""
        return self.server_of[device].faults

    async def start(self) -> None:
        groups: dict[tuple, list] = defaultdict(list)
        for dev in self.config.device:
            if dev.enabled:
                groups[link_key(dev)].append(dev)
        ordinal: dict[str, int] = defaultdict(int)

        def index(dev) -> int:
            ordinal[dev.driver] += 1
            return ordinal[dev.driver] - 1

        try:
            for key, devs in groups.items():
                await self._start_link(key, devs, index)
        except BaseException:
            await self.stop()
            raise

    async def _start_link(self, key: tuple, devs: list, index) -> None:
        label = f"{key[1]}:{key[2]}" if key[0] == "tcp" else key[1]
        drivers = {d.driver for d in devs}
        wires = {registry.DRIVERS[d].wire for d in drivers}
        simulator = {d.name: registry.DRIVERS[d.driver].simulator_factory for d in devs}

        if wires == {"tcp_gateway"}:
            units = {d.unit: simulator[d.name](d, self.plant, index(d), d.byte_order) for d in devs}
            host = self.bind_host or devs[0].host
            server = ModbusTcpServer(units, host=host, port=devs[0].port, request_file=self.request_file)
            try:
                await server.start()
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    problem = f"port {devs[0].port} is already in use"
                    fix = "stop the program listening there (an earlier `solarctl sim`?) or give these devices a free port"
                else:
                    problem = exc.strerror or str(exc)
                    fix = "use --bind 127.0.0.1, or point the config's host at an address of this machine"
                raise SimulatorError(f"cannot serve {label}: {problem}; {fix}") from None
            self.lines += [f"{d.driver:<18} {d.name:<12} unit {d.unit:<3} on {host}:{server.port}" for d in devs]
        elif wires == {"rs485_bus"}:
            bridge = await self._bridge(key[1])
            units = {d.unit: simulator[d.name](d, self.plant, index(d)) for d in devs}
            server = RtuServer(bridge.sim_path, devs[0].baudrate, units, request_file=self.request_file)
            await server.start()
            self.lines += [f"{d.driver:<18} {d.name:<12} unit {d.unit:<3} on {key[1]} ({d.baudrate} baud)" for d in devs]
        elif wires == {"own_port"} and len(devs) == 1:
            dev = devs[0]
            bridge = await self._bridge(key[1])
            server = simulator[dev.name](dev, self.plant, index(dev), bridge.sim_path)
            server.requests.file = self.request_file
            await server.start()
            self.lines.append(f"{dev.driver:<18} {dev.name:<12}          on {key[1]} ({dev.baudrate} baud)")
        else:
            raise SimulatorError(f"no simulator for {', '.join(sorted(drivers))} on {label}")
        self.servers[label] = server
        self.server_of.update(dict.fromkeys((d.name for d in devs), server))

    async def _bridge(self, path: str) -> PtyBridge:
        bridge = PtyBridge(path)
        await bridge.start()
        self._bridges.append(bridge)
        return bridge

    async def stop(self) -> None:
        for server in self.servers.values():
            await server.stop()
        self.servers.clear()
        self.server_of.clear()
        for bridge in self._bridges:
            await bridge.stop()
        self._bridges.clear()
