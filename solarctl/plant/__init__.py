"""Physical model of one site (PV, load, battery, inverter modes, grid), stepped by a clock.

What simulators read and write (SI units; battery + = charging, grid + = import):

    plant = Plant(PlantConfig(), start=epoch)      plant.step(dt); plant.time; plant.mode
    plant.settings.<name> = value                  validated; see PlantSettings
    plant.pv[i] / plant.pv_array("west")           available_w, power_w, voltage_v, current_a,
                                                   output_w, output_current_a, cell_temp_c
    plant.battery                                  soc_pct, voltage_v, current_a, power_w, temperature_c,
                                                   soh_pct, cycles, module_count, module_capacity_ah,
                                                   module_current_a(i), cell_voltages(i), module_soc_pct(i),
                                                   module_temperature_c(i)   (i is 0-based)
    plant.inverter                                 mode, inverting, charger_state, lbco_active,
                                                   dc_power_w, dc_current_a, ac_power_w, ac_voltage_v,
                                                   ac_frequency_hz
    plant.grid                                     available (settable), voltage_v, frequency_hz, power_w,
                                                   current_a
    plant.load_w, load_served_w, load_unserved_w
    plant.counters("grid_import").day              kWh per local hour/day/week/month/year/lifetime
    await run_plant(plant, clock)                  keeps it in step with any Clock until cancelled
"""

from solarctl.plant.config import PlantConfig
from solarctl.plant.energy import PeriodEnergy
from solarctl.plant.extras import MissingExtraError
from solarctl.plant.inverter import ChargerState, InverterMode
from solarctl.plant.plant import Plant
from solarctl.plant.runner import run_plant
from solarctl.plant.settings import PlantSettings

__all__ = [
    "ChargerState",
    "InverterMode",
    "MissingExtraError",
    "PeriodEnergy",
    "Plant",
    "PlantConfig",
    "PlantSettings",
    "run_plant",
]
