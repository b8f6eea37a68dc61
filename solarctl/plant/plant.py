"""One site: PV arrays, load, battery, inverter and grid, integrated over explicit time steps.

SI units; battery power/current positive = charging; grid power positive = import.
Energy balance, which holds at every sub-step:
    pv + grid_import = load + grid_export + delta(battery.stored_wh) + losses
"""

from __future__ import annotations

from solarctl.plant.battery import Battery
from solarctl.plant.config import PlantConfig
from solarctl.plant.energy import EnergyLedger, PeriodEnergy
from solarctl.plant.grid import Grid
from solarctl.plant.inverter import Inverter, InverterMode
from solarctl.plant.load import LoadProfile, make_load
from solarctl.plant.localtime import LocalCalendar
from solarctl.plant.pv import PvArray
from solarctl.plant.weather import Weather, make_weather

_EPS_S = 1e-9


class Plant:
    def __init__(self, config: PlantConfig, start: float, *, weather: Weather | None = None,
                 load: LoadProfile | None = None) -> None:
        """`weather` and `load` replace the ones the config names (a backtest shares them between runs)."""
        self.config = config
        self.time = float(start)
        self.settings = config.settings.model_copy()  # written by the simulators
        self.calendar = LocalCalendar(config.timezone)
        self.weather = make_weather(config) if weather is None else weather
        self.load_profile = make_load(config) if load is None else load
        self.pv = [PvArray(a) for a in config.pv_arrays]
        self.battery = Battery(config.battery, config.seed)
        self.inverter = Inverter(config.inverter)
        self.grid = Grid(config.grid, config.seed)
        self.air_temp_c = 0.0
        self.load_w = 0.0  # demand
        self.load_served_w = 0.0
        self.load_unserved_w = 0.0
        self._last_h = 0.0
        self._pv_flows = [f"pv.{a.name}" for a in self.pv]
        self.energy = EnergyLedger(
            ["pv", *self._pv_flows, "pv_curtailed", "load", "load_unserved",
             "grid_import", "grid_export", "battery_charge", "battery_discharge",
             "losses", "losses_mppt", "losses_inverter", "losses_battery"],
            self.calendar, self.time)
        self._substep(0.0)  # present values at the start, nothing integrated

    @property
    def mode(self) -> InverterMode:
        return self.inverter.mode

    @property
    def pv_power_w(self) -> float:
        return sum(a.power_w for a in self.pv)

    @property
    def pv_available_w(self) -> float:
        return sum(a.available_w for a in self.pv)

    def pv_array(self, name: str) -> PvArray:
        for array in self.pv:
            if array.name == name:
                return array
        raise KeyError(f"no pv array named {name!r}; arrays: {', '.join(a.name for a in self.pv)}")

    def counters(self, flow: str) -> PeriodEnergy:
        """kWh of `flow` this local hour/day/week/month/year and ever; flows are listed in `energy.flows`."""
        return self.energy.counters(flow)

    def step(self, dt: float) -> None:
        """Advance by `dt` seconds in sub-steps of at most `max_substep_s`, split at local hour boundaries."""
        if dt < 0:
            raise ValueError(f"cannot step backwards (dt={dt})")
        end = self.time + dt
        while end - self.time > _EPS_S:
            if self.energy.boundary - self.time <= _EPS_S:
                self.energy.roll(self.energy.boundary)
            h = min(end - self.time, self.config.max_substep_s, self.energy.boundary - self.time)
            self._substep(h)
            self.time += h
        self.time = end
        if self.energy.boundary - self.time <= _EPS_S:
            self.energy.roll(self.energy.boundary)

    def _substep(self, h: float) -> None:
        t = self.time + h / 2.0  # inputs at the middle of the sub-step
        settings = self.settings
        local = self.calendar.at(t)
        sky = self.weather.conditions(t)
        self.grid.present(t)
        self.air_temp_c = sky.air_temp_c
        self.load_w = self.load_profile.demand_w(t, local)
        battery_v = self.battery.voltage_v
        offered = [a.illuminate(poa, sky.air_temp_c, battery_v) for a, poa in zip(self.pv, sky.poa_w_m2)]
        pv_offered = sum(offered)
        grid_ok = self.grid.available and settings.grid_connected
        # The voltage the last sub-step ended at held for its length; it decides this one.
        self.inverter.update_cut_out(battery_v, settings, self._last_h)
        self._last_h = h

        # Limits need a non-zero horizon even for the zero-length start-up evaluation.
        flows = self.inverter.dispatch(
            pv_available_w=pv_offered, load_w=self.load_w, grid_ok=grid_ok, grid_v=self.grid.voltage_v,
            grid_hz=self.grid.frequency_hz, battery=self.battery, settings=settings,
            dt=h if h > 0.0 else self.config.max_substep_s)
        # Curtailment is shared by the arrays in proportion to what each offered.
        share = flows.pv_w / pv_offered if pv_offered > 0.0 else 0.0
        mppt_loss_w = sum(a.operate(o * share, battery_v) for a, o in zip(self.pv, offered))
        battery_loss_wh = self.battery.apply(flows.battery_w, h)
        self.grid.flow(flows.grid_w)
        self.load_served_w = flows.load_served_w
        self.load_unserved_w = flows.load_unserved_w

        if h > 0.0:
            hours = h / 3600.0
            grid_w, battery_w = flows.grid_w, flows.battery_w
            wh = {
                "pv": sum(a.power_w for a in self.pv) * hours,
                "pv_curtailed": sum(a.curtailed_w for a in self.pv) * hours,
                "load": flows.load_served_w * hours,
                "load_unserved": flows.load_unserved_w * hours,
                "grid_import": (grid_w if grid_w > 0.0 else 0.0) * hours,
                "grid_export": (-grid_w if grid_w < 0.0 else 0.0) * hours,
                "battery_charge": (battery_w if battery_w > 0.0 else 0.0) * hours,
                "battery_discharge": (-battery_w if battery_w < 0.0 else 0.0) * hours,
                "losses": (mppt_loss_w + flows.loss_w) * hours + battery_loss_wh,
                "losses_mppt": mppt_loss_w * hours,
                "losses_inverter": flows.loss_w * hours,
                "losses_battery": battery_loss_wh,
            }
            for array, flow in zip(self.pv, self._pv_flows):
                wh[flow] = array.power_w * hours
            self.energy.add_all(wh)
