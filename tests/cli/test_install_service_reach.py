"""`install-service` says when the service could not use a path of the config (issue 19): a command file or a
serial port under /tmp (PrivateTmp=yes hides it), a command file under /etc (ProtectSystem=full: read-only) or
in a directory the service user may not write (/root for a non-root user). The unit keeps the data dir private:
0700, or 2750 with the configured group among its groups."""

from __future__ import annotations

from tests.cli.test_config_cli import solarctl
from tests.cli.test_install_service import printed_files

SITE = """\
[general]
data_dir = "/var/lib/solarctl"
{group}
[[device]]
name = "inverter"
driver = "must_pv1800"
port = "{port}"

[command_file]
path = "{command_file}"
device = "inverter"
"""


def notes(tmp_path, port: str, command_file: str, group: str = "") -> tuple[list[str], str]:
    config = tmp_path / "site.toml"
    config.write_text(SITE.format(port=port, command_file=command_file, group=f'group = "{group}"' if group else ""))
    result = solarctl("install-service", "--dry-run", "--config", str(config))
    assert result.returncode == 0, result.stderr
    lines = [line.removeprefix("solarctl install-service: note: ") for line in result.stderr.splitlines()]
    return lines, printed_files(result.stdout)["/etc/systemd/system/solarctl.service"]


def test_paths_the_service_cannot_use_are_named(tmp_path):
    lines, unit = notes(tmp_path, "/tmp/ttyINV0", "/root/inverter_cmd.lst")
    assert ("device inverter's serial port /tmp/ttyINV0 lies under /tmp, which the service does not share "
            "(PrivateTmp=yes gives it an empty one of its own); move it, e.g. to /dev/ttyINV0") in lines[0]
    assert lines[1] == ("[command_file] path /root/inverter_cmd.lst is out of reach for the service's user solarctl: "
                        "it may not write in /root; move it, e.g. to /var/lib/solarctl/inverter_cmd.lst, or give "
                        "solarctl access")
    assert "StateDirectoryMode=0700" in unit.splitlines()
    lines, _ = notes(tmp_path, "/dev/ttyINV0", "/var/tmp/cmd.lst")
    assert lines == ["[command_file] path /var/tmp/cmd.lst lies under /var/tmp, which the service does not share "
                     "(PrivateTmp=yes gives it an empty one of its own); move it, e.g. to /var/lib/solarctl/cmd.lst"]
    lines, _ = notes(tmp_path, "/dev/ttyINV0", "/etc/solarctl/inverter_cmd.lst")
    assert len(lines) == 1 and "may only read (ProtectSystem=full)" in lines[0]


def test_the_readme_path_and_a_group_fit_the_unit(tmp_path):
    lines, unit = notes(tmp_path, "/dev/ttyINV0", "/var/lib/solarctl/inverter_cmd.lst", group="backup")
    assert lines == []
    assert "StateDirectoryMode=2750" in unit.splitlines() and "SupplementaryGroups=dialout backup" in unit.splitlines()
