"""The composition root: one daemon with its front ends, assembled in one place for `solarctl run` and the demo.

`Daemon` builds what every run has (installation, store, sinks from the config, strategies, alerts, checks);
`build_daemon` adds the front ends the config asks for, each given the daemon's `Facade` and never the daemon:
the control API's ops (and its socket's service when `solarctl run` holds one), the Telegram bot with
[telegram], the web page with [web]. Callers pass only what differs (clock, control server, config path).
Web and Telegram are imported only when configured (FastAPI, httpx: `tests/footprint`).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from solarctl.api.ops import DaemonOps
from solarctl.api.server import ControlServer
from solarctl.clock import Clock
from solarctl.config import Config
from solarctl.daemon import Daemon


class Assembled(NamedTuple):
    daemon: Daemon
    web_url: str | None  # the page's address, bound already (None without [web])


def build_daemon(config: Config, clock: Clock | None = None, *, api: ControlServer | None = None,
                 config_path: Path | None = None) -> Assembled:
    """The daemon and its front ends, ready to run. `api`: the claimed control server, served as the service
    "control api". Raises StoreError, TelegramSetupError, WebPortUnavailable … before anything starts."""
    daemon = Daemon(config, clock)  # a bad [storage] url is a StoreError here
    ops = DaemonOps(daemon.facade, config_path).table()
    if config.telegram is not None:
        from solarctl.telegram.service import telegram_parts  # brings httpx: only with [telegram]

        sink, services = telegram_parts(daemon.facade, config.telegram, ops)
        daemon.sinks.append(sink)
        daemon.services.update(services)
    if api is not None:
        api.ops.update(ops)
        daemon.services["control api"] = api.serve
    web_url = None
    if config.web is not None:
        from solarctl.web.server import WebServer  # brings FastAPI: only with [web]

        web = WebServer(daemon.facade)  # binds now: a port in use stops the start here
        daemon.services["web page"] = web.serve
        web_url = web.url
    return Assembled(daemon, web_url)
