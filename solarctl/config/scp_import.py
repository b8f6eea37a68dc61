"""Convert the old Solar-Control-Program INI file (scp.cfg) into a solarctl TOML config.

All five sections are read (keys are case-insensitive, as configparser made them, and the misspelt
`Cadance` is the key SCP really used). Every key ends up either as a setting or as a comment that
says what replaced it, so nothing in the old file is silently dropped.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

import tomli_w

from solarctl.config.loader import ConfigError, parse_config

SECTIONS = {
    "log file": {"log_file"},
    "communication settings": {"serial_port", "modbus_host", "modbus_address_xw", "modbus_address_mppt_west",
                               "modbus_address_mppt_east"},
    "pylontech battery specific settings": {"battery_modules", "csv_log_file_path"},
    "general control settings": {"cadance", "display", "csv_log", "sql_log", "control"},
    "control loop specific settings": {"soc_high", "soc_low", "battery_low", "battery_hysteresis",
                                       "default_battery_low", "default_battery_hysteresis"},
    "mysql specific settings": {"sql_host", "sql_user", "sql_password", "sql_database", "sql_auth"},
}

# What SCP's code used when an older config lacked the key (main.py/control.py defaults, notes §4).
SCP_DEFAULTS = {"modbus_address_xw": "10", "modbus_address_mppt_west": "30", "modbus_address_mppt_east": "31",
                "default_battery_low": "46.5", "default_battery_hysteresis": "2.5"}


@dataclass
class Conversion:
    toml: str
    warnings: list[str] = field(default_factory=list)
    has_secret: bool = False


def _v(value) -> str:
    """A TOML value as text (dicts as inline tables)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_v(x)}" for k, x in value.items()) + " }"
    return tomli_w.dumps({"v": value}).strip()[4:]


def convert_scp(text: str, source: str = "scp.cfg") -> Conversion:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source)
    except configparser.Error as exc:
        raise ConfigError(f"{source}: not a readable SCP config: {exc}") from None
    sections = {s.lower(): parser[s] for s in parser.sections()}
    warnings: list[str] = []
    for name, sect in sections.items():
        if name not in SECTIONS:
            warnings.append(f"{source}: section [{sect.name}] is not part of an SCP config; ignored")
            continue
        for key in sect:
            if key not in SECTIONS[name]:
                warnings.append(f"{source}: [{sect.name}] {key} is not an SCP setting; ignored")

    def get(section: str, key: str, kind=str, required: bool = True):
        sect = sections.get(section)
        if sect is None or key not in sect:
            if key in SCP_DEFAULTS:
                warnings.append(f"{source}: [{section.upper()}] {key} is missing; using SCP's built-in {SCP_DEFAULTS[key]}")
                return kind(SCP_DEFAULTS[key])
            if required:
                raise ConfigError(f"{source}: [{section.upper()}] {key} is missing; an SCP config needs it")
            return None
        raw = sect[key].strip().strip("'\"")  # the first SCP configs quoted their values
        try:
            if kind is bool:
                return {"true": True, "false": False}[raw.lower()]
            return kind(raw)
        except (ValueError, KeyError):
            raise ConfigError(f"{source}: [{section.upper()}] {key} = {raw!r} is not a valid {kind.__name__}") from None

    comm, pyl, gen = "communication settings", "pylontech battery specific settings", "general control settings"
    loop, sql = "control loop specific settings", "mysql specific settings"
    cadence = get(gen, "cadance", float)
    host = get(comm, "modbus_host")
    out: list[str] = [f"# Converted from {source} by `solarctl config import-scp` on {date.today()}.", ""]

    out += ["[general]"]
    log_file = get("log file", "log_file", required=False)
    if log_file:
        out += [f"log_file = {_v(log_file)}  # [LOG FILE] log_file (SCP never wrote it; solarctl does)"]
    out += [""]

    def device(name: str, driver: str, comment: str, **keys) -> None:
        out.extend(["[[device]]", f"name = {_v(name)}  # {comment}", f"driver = {_v(driver)}"])
        out.extend(f"{k} = {_v(v)}" for k, v in keys.items() if v is not None)
        out.append(f"poll_interval = {_v(cadence)}  # [GENERAL CONTROL SETTINGS] Cadance")
        out.append("")

    device("xw", "conext_xw", "XW+ 8548 inverter behind the ComBox", host=host, port=502,
           unit=get(comm, "modbus_address_xw", int))
    device("mppt_west", "conext_mppt", "MPPT 60 150, west roof", host=host, port=502,
           unit=get(comm, "modbus_address_mppt_west", int))
    device("mppt_east", "conext_mppt", "MPPT 60 150, east roof", host=host, port=502,
           unit=get(comm, "modbus_address_mppt_east", int))
    modules = get(pyl, "battery_modules", int)
    device("battery", "pylontech_console", "Pylontech US2000B Plus stack, RS232 console",
           port=get(comm, "serial_port"), baudrate=115200, modules=modules)

    csv_dir = get(pyl, "csv_log_file_path", required=False)
    csv_log = get(gen, "csv_log", bool, required=False)
    out += [f"# [PYLONTECH BATTERY SPECIFIC SETTINGS] CSV_Log_File_Path = {csv_dir} and [GENERAL CONTROL SETTINGS]",
            f"# CSV_Log = {csv_log}: solarctl stores every reading in the database instead; load the old logs with",
            f"#   solarctl db import-scp-csv {csv_dir or 'DIR'}",
            "# and get CSV out with `solarctl db export --format csv`."]
    display = get(gen, "display", bool, required=False)
    out += [f"# [GENERAL CONTROL SETTINGS] Display = {display}: `solarctl run` logs the values.", ""]

    secret = False
    if get(gen, "sql_log", bool, required=False):
        user, password = get(sql, "sql_user"), get(sql, "sql_password", required=False)
        credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        secret = bool(password)
        url = f"mysql+pymysql://{credentials}@{get(sql, 'sql_host')}/{quote(get(sql, 'sql_database'), safe='')}"
        out += ["[storage]", f"url = {_v(url)}  # [MySQL SPECIFIC SETTINGS] (SQL_Log = True)",
                f"# SQL_Auth = {get(sql, 'sql_auth', required=False)}: PyMySQL negotiates the server's auth plugin itself.", ""]
    else:
        out += ["# [GENERAL CONTROL SETTINGS] SQL_Log = False: storage stays on the built-in SQLite database.", ""]

    out += ["[[strategy]]", 'name = "soc_band"  # the SCP control loop',
            f"enabled = {_v(bool(get(gen, 'control', bool)))}  # [GENERAL CONTROL SETTINGS] Control",
            'inverter = "xw"', 'battery = "battery"',
            'setting = "load_shave"  # what SCP switched (its messages said "Grid Support")',
            f"soc_high = {_v(get(loop, 'soc_high', float))}",
            f"soc_low = {_v(get(loop, 'soc_low', float))}",
            f"interval = {_v(cadence)}",
            "on_start = " + _v({"low_battery_cut_out": get(loop, "battery_low", float),
                                "low_battery_cut_out_hysteresis": get(loop, "battery_hysteresis", float)})
            + "  # Battery_low, Battery_hysteresis",
            "on_stop = " + _v({"low_battery_cut_out": get(loop, "default_battery_low", float),
                               "low_battery_cut_out_hysteresis": get(loop, "default_battery_hysteresis", float),
                               "load_shave": "Disable"})
            + "  # Default_battery_low, Default_battery_hysteresis, and load shave off, as SCP did on exit",
            ""]
    toml = "\n".join(out)
    parse_config(toml, f"{source} (converted)")  # what we write must load
    return Conversion(toml, warnings, secret)
