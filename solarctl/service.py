"""Files for running solarctl as a system service: a systemd unit and a udev rule template for stable serial names.

The unit runs `solarctl run` as a dedicated system user in the dialout group (serial ports), with its data dir
made by systemd (StateDirectory), restarts on failure, logs to the journal (solarctl.logs drops its own
timestamps and adds syslog priorities there), and stops with SIGTERM, on which the daemon puts strategies'
stop settings back, journals what the store has queued and says offline on MQTT.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

UNIT_NAME = "solarctl.service"
UDEV_NAME = "99-solarctl-serial.rules"
DEFAULT_SERIAL_NAMES = ("ttyBMS0", "ttyINV0")  # the old Solar-Station site's names


@dataclass(frozen=True)
class ServiceSpec:
    executable: Path  # the Python that has solarctl installed
    config: Path
    user: str = "solarctl"
    state_dir: str = "solarctl"  # under /var/lib

    @property
    def data_dir(self) -> Path:
        return Path("/var/lib") / self.state_dir


def unit_text(spec: ServiceSpec) -> str:
    command = shlex.join([str(spec.executable), "-m", "solarctl", "run", "--config", str(spec.config)])
    return f"""\
[Unit]
Description=solarctl: solar and battery monitoring and control
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
User={spec.user}
Group={spec.user}
# serial ports (RS485 / RS232 adapters) belong to the dialout group
SupplementaryGroups=dialout
StateDirectory={spec.state_dir}
StateDirectoryMode=0750
WorkingDirectory={spec.data_dir}
Environment=SOLARCTL_DATA_DIR={spec.data_dir}
Environment=PYTHONUNBUFFERED=1
ExecStart={command}
# SIGTERM: strategies restore their stop settings, the store journals its queue, MQTT says offline
KillSignal=SIGTERM
KillMode=mixed
TimeoutStopSec=60
Restart=on-failure
RestartSec=10
SyslogIdentifier=solarctl
NoNewPrivileges=yes
ProtectSystem=full
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
"""


def serial_names(config) -> list[str]:
    """The /dev names the config's serial devices use (what the udev rules should create), or the examples."""
    names = sorted({Path(d.port).name for d in (config.device if config else ()) if isinstance(getattr(d, "port", None), str)
                    and str(d.port).startswith("/dev/") and not str(d.port).startswith(("/dev/ttyUSB", "/dev/ttyACM", "/dev/ttyS"))})
    return names or list(DEFAULT_SERIAL_NAMES)


def udev_text(names: list[str]) -> str:
    lines = [
        "# Stable names for solarctl's serial adapters: a USB port's ttyUSBn / ttyACMn number changes with the order",
        "# the adapters are found (a GPS stick once took the inverter's). Fill in ONE of the two lines per adapter and",
        "# remove its leading '#'. Find the values with: udevadm info --attribute-walk --name=/dev/ttyUSB0",
        "# then: udevadm control --reload && udevadm trigger",
    ]
    for name in names:
        lines += [
            f"# {name}: by the adapter's serial number (when it has one) ...",
            f'#SUBSYSTEM=="tty", ATTRS{{idVendor}}=="VVVV", ATTRS{{idProduct}}=="PPPP", ATTRS{{serial}}=="SERIAL", '
            f'SYMLINK+="{name}", GROUP="dialout", MODE="0660"',
            f"# ... or by the USB socket it is plugged into (the path udevadm shows as KERNELS)",
            f'#SUBSYSTEM=="tty", KERNELS=="1-1.N:1.0", SYMLINK+="{name}", GROUP="dialout", MODE="0660"',
        ]
    return "\n".join(lines) + "\n"
