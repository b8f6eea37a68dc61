"""What the front ends (web page, control API, Telegram, the demo's table) may ask of the running daemon.

A narrow door instead of the daemon itself: device statuses from the read model, the settings each device
offers, writes through the SafeWriter, alerts and their acknowledgement, the audit ledger, the plans, health,
a subscription to the hub's events and the database for history. The daemon's parts (hub, store, writer,
installation, sinks, services) stay behind it; `tests/test_layering.py` checks the front ends never reach past
it. `daemon.py` `DaemonFacade` is the implementation; `compose.py` `build_daemon` hands it to each front end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from solarctl.alerts.model import AlertEvent
from solarctl.clock import Clock
from solarctl.config import Config
from solarctl.control.safe_write import WriteOutcome
from solarctl.hub import Subscription
from solarctl.read_model import DeviceStatus
from solarctl.registers import Register
from solarctl.sample import Value

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


class Facade(Protocol):
    @property
    def config(self) -> Config: ...

    @property
    def clock(self) -> Clock: ...

    # --- snapshot and catalogue ------------------------------------------------------------------

    def devices(self) -> list[str]:
        """The polled devices' names, in config order."""
        ...

    def status(self, device: str) -> DeviceStatus:
        """One polled device as the read model has it now (KeyError for one not polled)."""
        ...

    def settings(self, device: str) -> list[Register]:
        """The device's writable settings (empty for a device not polled)."""
        ...

    def setting(self, device: str, setting: str) -> Register | None: ...

    def subscribe(self, maxsize: int, name: str) -> Subscription:
        """Every hub event from now on (samples, poll errors, alert events); close it when done."""
        ...

    def database(self) -> Engine:
        """The store's engine, for history queries (read only)."""
        ...

    # --- control ---------------------------------------------------------------------------------

    async def write(self, device: str, setting: str, value: Value, *, source: str,
                    dry_run: bool | None = None) -> WriteOutcome:
        """One change through the SafeWriter (validated, budgeted, read back, audited as `source`)."""
        ...

    def refusal(self, device: str, setting: str, value: Value) -> str | None:
        """Why `write` would refuse this before touching the device; None when it would try."""
        ...

    def refuse(self, device: str, setting: str, value: Value, reason: str, *, source: str) -> WriteOutcome:
        """Audit a request refused before it was asked for."""
        ...

    def alerts(self, active_only: bool = False) -> list[AlertEvent]: ...

    def ack(self, alert_id: int) -> AlertEvent | None:
        """Acknowledge an open alert; None when no open alert has that id."""
        ...

    def audit(self) -> Sequence[dict[str, Any]]:
        """Every write attempt this run knows of, oldest first (the ledger's rows)."""
        ...

    def plan(self) -> dict[str, Any]:
        """The planning strategies' current plans, each with why it has none yet."""
        ...

    def strategy_names(self) -> list[str]: ...

    # --- health ----------------------------------------------------------------------------------

    def health(self) -> dict[str, dict[str, Any]]:
        """Devices' link health by name, `sink:NAME`, `task:NAME`, `service:NAME`."""
        ...

    def link_health(self, device: str) -> dict[str, Any]: ...

    def sink_health(self) -> dict[str, dict[str, Any]]: ...

    def task_health(self) -> dict[str, dict[str, Any]]: ...
