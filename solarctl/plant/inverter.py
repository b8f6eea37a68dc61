"""The inverter/charger: decides, each sub-step, how power flows between PV, battery, load and grid.

Everything meets on the DC bus (MPPT outputs, battery, inverter DC side) and the AC bus (inverter
AC side, grid, load). Priorities, by setting:

- pass-through (no support): the grid feeds the load; PV charges the battery; the rest of the PV is
  curtailed; nothing is exported.
- grid support: PV, then the battery, feed the load; PV left after charging is exported if
  `sell_enabled` (at most `max_sell_amps` x grid voltage), otherwise curtailed.
- load shave: PV, then the battery, feed only the load above `load_shave_amps` x grid voltage.
- discharge_to_grid: like grid support, and the battery may be exported as well.
- grid_charge: the inverter charges the battery from the grid (at most `grid_charge_current_a`) and
  does not invert until the charger reaches float (a PV1800 in UTI / SUB still passes PV to the load).
- pv_to_load (no grid support): PV feeds the load beside the grid, the battery does not; "after_charging"
  (PV1800 UTI) after the charger took its share, "first" (PV1800 SUB) before it. Line mode of the
  Voltronic-family manuals (e.g. Axpert MKS III: "solar energy and the utility will provide the loads";
  SRNE ASF: UTI with the battery full, PV and utility supply the load together).
- off-grid (grid down, or `grid_connected` False): PV and battery feed the load up to the rating;
  the rest is unserved.
- low-battery cut-out (LBCO): below `lbco_voltage_v` for `lbco_delay_s` the inverter stops inverting
  until the battery is back at `lbco_voltage_v + lbco_hysteresis_v`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from solarctl.plant.battery import Battery
from solarctl.plant.config import InverterConfig
from solarctl.plant.settings import PlantSettings


class InverterMode(enum.Enum):
    PASS_THROUGH = "pass_through"
    GRID_SUPPORT = "grid_support"
    SELL = "sell"  # exporting
    LOAD_SHAVE = "load_shave"
    CHARGING = "charging"  # charging the battery from the grid
    OFF_GRID = "off_grid"
    LOW_BATTERY_CUT_OUT = "low_battery_cut_out"
    STANDBY = "standby"  # no grid and the inverter disabled: no output


class ChargerState(enum.Enum):
    NOT_CHARGING = "not_charging"
    BULK = "bulk"
    ABSORPTION = "absorption"
    FLOAT = "float"


@dataclass(slots=True)
class Flows:
    """One sub-step's power flows, in W."""

    pv_w: float = 0.0  # taken from the MPPT outputs (DC bus)
    battery_w: float = 0.0  # + charging
    grid_w: float = 0.0  # + import
    load_served_w: float = 0.0
    load_unserved_w: float = 0.0
    loss_w: float = 0.0  # inverter conversion and idle


class Inverter:
    def __init__(self, config: InverterConfig) -> None:
        self.config = config
        self.mode = InverterMode.PASS_THROUGH
        self.inverting = False
        self.charger_state = ChargerState.NOT_CHARGING
        self.lbco_active = False
        self.ac_power_w = 0.0  # + output (inverting), - input (charging from AC)
        self.dc_power_w = 0.0  # battery side, battery sign: + charging the DC bus, - drawing from it
        self.dc_current_a = 0.0
        self.ac_voltage_v = 0.0
        self.ac_frequency_hz = 0.0
        self._below_s = 0.0
        self._float = False

    def update_cut_out(self, battery_v: float, settings: PlantSettings, dt: float) -> None:
        """Low-battery cut-out: trip after `lbco_delay_s` below the threshold, recover above it + hysteresis."""
        if self.lbco_active:
            if battery_v >= settings.lbco_voltage_v + settings.lbco_hysteresis_v:
                self.lbco_active = False
        elif battery_v < settings.lbco_voltage_v:
            self._below_s += dt
            if self._below_s >= settings.lbco_delay_s:
                self.lbco_active = True
                self._below_s = 0.0
        else:
            self._below_s = 0.0

    def dispatch(self, *, pv_available_w: float, load_w: float, grid_ok: bool, grid_v: float, grid_hz: float,
                 battery: Battery, settings: PlantSettings, dt: float) -> Flows:
        s, cfg = settings, self.config
        eta, idle, rated = cfg.efficiency, cfg.idle_w, cfg.rated_w
        can_invert = s.inverter_enabled and not self.lbco_active
        grid_charging = grid_ok and s.grid_charge and not self._float

        # Battery limits for this sub-step, as terminal power.
        v_limit = cfg.float_voltage_v if self._float else cfg.absorption_voltage_v
        charge_a = min(battery.max_charge_current(v_limit, dt), s.max_charge_current_a)
        charge_room = battery.power_at(charge_a)
        discharge_max = -battery.power_at(-battery.max_discharge_current(dt))

        # What the inverter is asked to supply on the AC side, and whether it should run from DC at all.
        export_cap, battery_export = 0.0, False
        supports = s.grid_support or s.discharge_to_grid
        pv_to_load = None if supports or s.load_shave or s.pv_to_load in (None, "no") else s.pv_to_load
        if not grid_ok:
            target, battery_may_invert, wants_dc = load_w, True, True
        elif grid_charging and pv_to_load is None:
            target, battery_may_invert, wants_dc = 0.0, False, False
        elif pv_to_load is not None:  # PV1800 UTI / SUB: PV beside the utility, never the battery
            target, battery_may_invert, wants_dc = load_w, False, True
        else:
            shave_cap = s.load_shave_amps * grid_v
            if supports:
                target, wants_dc = load_w, True
            elif s.load_shave:
                # Running from DC also moves the inverter's own idle off the grid, so the cap holds
                # when the load alone is just under it.
                target, wants_dc = max(0.0, load_w - shave_cap), load_w + idle > shave_cap
            else:
                target, wants_dc = 0.0, False
            battery_may_invert = supports or s.load_shave
            if (s.grid_support and s.sell_enabled) or s.discharge_to_grid:
                export_cap, battery_export, wants_dc = s.max_sell_amps * grid_v, s.discharge_to_grid, True
        if not can_invert:
            target, battery_may_invert, export_cap, wants_dc = 0.0, False, 0.0, False
        target = min(target, rated)

        # UTI: the charger takes its share of the PV before the load gets any.
        reserved = min(pv_available_w, charge_room) if pv_to_load == "after_charging" else 0.0
        pv_left = pv_available_w - reserved
        battery_left = discharge_max if battery_may_invert else 0.0
        inverting = wants_dc and pv_left + battery_left > idle

        # 1. The inverter's own consumption and the load, from PV first, then the battery.
        ac_load = dc_draw = from_battery = 0.0
        if inverting:
            ac_load = min(target, (pv_left + battery_left - idle) * eta)
            dc_draw = idle + ac_load / eta
            from_pv = min(pv_left, dc_draw)
            pv_left -= from_pv
            from_battery = dc_draw - from_pv
            battery_left -= from_battery

        # 2. PV charges the battery.
        pv_left += reserved
        pv_to_battery = min(pv_left, charge_room)
        pv_left -= pv_to_battery
        charge_room -= pv_to_battery

        # 3. Export: PV surplus, then (discharge_to_grid) the battery.
        exported = 0.0
        if inverting and grid_ok and export_cap > 0.0:
            ac_room = max(0.0, min(export_cap, rated - ac_load))
            pv_export = min(pv_left * eta, ac_room)
            pv_left -= pv_export / eta
            battery_export_w = min(battery_left * eta, ac_room - pv_export) if battery_export else 0.0
            from_battery += battery_export_w / eta
            exported = pv_export + battery_export_w
            dc_draw += exported / eta

        # 4. Grid charging (AC -> DC), within the load-shave import cap when that is on.
        charge_dc = 0.0
        if grid_charging:
            charge_dc = min(charge_room, battery.power_at(min(s.grid_charge_current_a, charge_a)), rated * eta)
            if s.load_shave:
                charge_dc = min(charge_dc, (s.load_shave_amps * grid_v - load_w - idle) * eta)
            charge_dc = max(0.0, charge_dc)
        charge_ac = charge_dc / eta

        flows = Flows()
        flows.pv_w = pv_available_w - pv_left
        flows.battery_w = pv_to_battery + charge_dc - from_battery
        idle_from_grid = idle if grid_ok and not inverting else 0.0
        if grid_ok:
            flows.load_served_w = load_w
            flows.grid_w = load_w - ac_load + charge_ac + idle_from_grid - exported
        else:
            flows.load_served_w = ac_load
            flows.load_unserved_w = load_w - ac_load
        flows.loss_w = (dc_draw - ac_load - exported) + (charge_ac - charge_dc) + idle_from_grid

        self.inverting = inverting
        self.ac_power_w = ac_load + exported - charge_ac
        self.dc_power_w = charge_dc - dc_draw
        battery_v = battery.terminal_voltage(battery.current_for_power(flows.battery_w))
        self.dc_current_a = self.dc_power_w / battery_v
        if grid_ok:
            self.ac_voltage_v, self.ac_frequency_hz = grid_v, grid_hz
        elif inverting:
            self.ac_voltage_v, self.ac_frequency_hz = s.output_voltage_v, s.output_frequency_hz
        else:
            self.ac_voltage_v = self.ac_frequency_hz = 0.0
        self._update_charger(battery, flows.battery_w, v_limit)
        self.mode = self._mode(grid_ok, exported > 0.0, charge_dc > 0.0, s)
        return flows

    def _update_charger(self, battery: Battery, battery_w: float, v_limit: float) -> None:
        cfg = self.config
        if self._float and battery.soc_pct < cfg.recharge_soc_pct:
            self._float = False
        current = battery.current_for_power(battery_w)
        voltage_limited = current > 0.0 and battery.terminal_voltage(current) >= v_limit - 1e-3
        if not self._float and voltage_limited and current <= cfg.absorption_exit_current_a:
            self._float = True
        if self._float:
            self.charger_state = ChargerState.FLOAT
        elif voltage_limited:
            self.charger_state = ChargerState.ABSORPTION
        elif current > 0.0:
            self.charger_state = ChargerState.BULK
        else:
            self.charger_state = ChargerState.NOT_CHARGING

    def _mode(self, grid_ok: bool, exporting: bool, grid_charging: bool, s: PlantSettings) -> InverterMode:
        if self.lbco_active:
            return InverterMode.LOW_BATTERY_CUT_OUT
        if not grid_ok:
            return InverterMode.OFF_GRID if s.inverter_enabled else InverterMode.STANDBY
        if exporting:
            return InverterMode.SELL
        if grid_charging:
            return InverterMode.CHARGING
        if s.load_shave:
            return InverterMode.LOAD_SHAVE
        if s.grid_support or s.discharge_to_grid:
            return InverterMode.GRID_SUPPORT
        return InverterMode.PASS_THROUGH
