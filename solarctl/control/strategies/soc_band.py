"""The old SCP control loop, made safe.

Above `soc_high` switch the inverter setting (load shave by default) on, below `soc_low` off, in
between leave it. It acts only on a fresh SoC (never on a stale or failed reading), writes only on
change (through the SafeWriter, so verified, budgeted and logged), and puts `on_start` settings in
place when it starts and `on_stop` settings back when it stops, as SCP did on exit.
"""

from __future__ import annotations

from solarctl.control.strategies.base import Strategy


class SocBandStrategy(Strategy):
    async def start(self) -> None:
        if self.config.on_start:
            await self.apply(self.config.inverter, self.config.on_start, "start")

    async def stop(self) -> None:
        if self.config.on_stop:
            await self.apply(self.config.inverter, self.config.on_stop, "stop")

    def desired(self, soc: float) -> str | None:
        if soc >= self.config.soc_high:
            return "Enable"
        if soc <= self.config.soc_low:
            return "Disable"
        return None  # inside the band: keep whatever is set

    def fresh_soc(self) -> float | None:
        state = self.hub.devices.get(self.config.battery)
        max_age = 3 * self.config.interval
        if state is None or not state.fresh(self.clock.time(), max_age):
            return None
        soc = state.values.get("soc", state.values.get("battery_soc"))
        return float(soc) if isinstance(soc, (int, float)) and not isinstance(soc, bool) else None

    async def step(self) -> None:
        soc = self.fresh_soc()
        if soc is None:
            self.log.debug("no fresh SoC from %s; holding", self.config.battery)
            return
        want = self.desired(soc)
        if want is None:
            return
        inverter = self.hub.devices.get(self.config.inverter)
        device = self.writer.site.devices.get(self.config.inverter)
        reg = device.setting(self.config.setting) if device else None
        if inverter is not None and reg is not None and inverter.ok and inverter.values.get(reg.name) == want:
            return  # already so (the hub's value is fresh): no request at all
        await self.apply(self.config.inverter, {self.config.setting: want}, f"SoC {soc:g} %")

    async def run(self) -> None:
        while True:
            await self.step()
            await self.clock.sleep(self.config.interval)
