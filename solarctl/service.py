"""Files for running solarctl as a system service: a systemd unit and a udev rule template for stable serial names.

The unit runs `solarctl run` as a dedicated system user in the dialout group (serial ports), with its data dir
made by systemd (StateDirectory), restarts on failure, logs to the journal (solarctl.logs drops its own
timestamps and adds syslog priorities there), and stops with SIGTERM, on which the daemon puts strategies'
stop settings back, journals what the store has queued and says offline on MQTT.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
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
    group: str | None = None  # [general] group: may read the data dir (2750, files 0640)

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
SupplementaryGroups={" ".join(["dialout", *([spec.group] if spec.group else [])])}
StateDirectory={spec.state_dir}
# private: samples and the audit are nobody else's ([general] group may read them)
StateDirectoryMode={"2750" if spec.group else "0700"}
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


HIDDEN = (Path("/tmp"), Path("/var/tmp"))  # PrivateTmp=yes: the service gets empty ones of its own
READ_ONLY = (Path("/etc"), Path("/usr"), Path("/boot"), Path("/efi"))  # ProtectSystem=full


def reach_notes(config, user: str) -> list[str]:
    """Paths of the config the service cannot use as `user` under the unit: one sentence each, with the fix."""
    if config is None:
        return []
    notes = []
    wanted = [(d.port, f"device {d.name}'s serial port", False) for d in config.device
              if isinstance(getattr(d, "port", None), str) and d.port.startswith("/")]
    if config.command_file is not None:
        wanted.append((str(config.command_file.path), "[command_file] path", True))
    groups = ["dialout", *([config.general.group] if config.general.group else [])]
    for path, what, renamed in wanted:
        path = Path(os.path.abspath(path))
        better = f"/var/lib/solarctl/{path.name}" if renamed else f"/dev/{path.name} (the udev rules below make stable names)"
        hidden = next((h for h in HIDDEN if path.is_relative_to(h)), None)
        if hidden is not None:
            notes.append(f"{what} {path} lies under {hidden}, which the service does not share (PrivateTmp=yes gives "
                         f"it an empty one of its own); move it, e.g. to {better}")
        elif renamed and any(path.is_relative_to(ro) for ro in READ_ONLY):
            notes.append(f"{what} {path} lies under a directory the service may only read (ProtectSystem=full), so it "
                         f"could never take the file; move it, e.g. to {better}")
        elif (blocked := _blocked(path.parent, user, groups, write=renamed)) is not None:
            notes.append(f"{what} {path} is out of reach for the service's user {user}: it may not "
                         f"{'write in' if blocked == path.parent and renamed else 'enter'} {blocked}; move it, "
                         f"e.g. to {better}, or give {user} access")
    return notes


def _blocked(directory: Path, user: str, groups: list[str], write: bool) -> Path | None:
    """The first directory on the way to `directory` that `user` (with the unit's `groups`) may not enter, or
    `directory` itself when `write` and it may not write there; None when all is open or not there yet. A user
    not made yet is neither owner nor member of anything but `groups`."""
    try:
        entry = pwd.getpwnam(user)
        uid, gids = entry.pw_uid, {entry.pw_gid, *(g.gr_gid for g in grp.getgrall() if user in g.gr_mem)}
    except KeyError:
        uid, gids = -1, set()
    if uid == 0:
        return None
    for name in groups:
        with contextlib.suppress(KeyError):
            gids.add(grp.getgrnam(name).gr_gid)
    for step in [*reversed(directory.parents), directory]:
        try:
            st = os.stat(step)
        except OSError:
            return None
        need = 0o3 if write and step == directory else 0o1  # write + search, or search
        shift = 6 if st.st_uid == uid else 3 if st.st_gid in gids else 0
        if st.st_mode & (need << shift) != need << shift:
            return step
    return None


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
