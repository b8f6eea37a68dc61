"""Every MQTT topic solarctl uses, named in one place (the README's MQTT table lists the same)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topics:
    prefix: str  # solarctl's own topics: PREFIX/...
    discovery_prefix: str  # Home Assistant's: DISCOVERY_PREFIX/COMPONENT/NODE/OBJECT/config
    node: str  # this solarctl instance (the client id): keeps two installations on one broker apart

    @property
    def status(self) -> str:
        return f"{self.prefix}/status"  # solarctl itself: online / offline (the last will)

    @property
    def health(self) -> str:
        return f"{self.prefix}/health"  # each supervised task's and sink's state: {"task:NAME": "ok" | "down", ...}

    def state(self, device: str) -> str:
        return f"{self.prefix}/{device}/state"

    def availability(self, device: str) -> str:
        return f"{self.prefix}/{device}/availability"

    def device_status(self, device: str) -> str:
        return f"{self.prefix}/{device}/status"  # the read model's status word and reason (JSON)

    def command(self, device: str, setting: str) -> str:
        return f"{self.prefix}/{device}/{setting}/set"

    def result(self, device: str, setting: str) -> str:
        return f"{self.prefix}/{device}/{setting}/result"

    @property
    def commands(self) -> str:
        return f"{self.prefix}/+/+/set"

    def parse_command(self, topic: str) -> tuple[str, str] | None:
        """(device, setting) of a command topic, None for any other topic."""
        parts = topic.split("/")
        if len(parts) == 4 and parts[0] == self.prefix and parts[3] == "set":
            return parts[1], parts[2]
        return None

    @property
    def alert_event(self) -> str:
        return f"{self.prefix}/alerts/event"

    @property
    def alerts_active(self) -> str:
        return f"{self.prefix}/alerts/active"

    def config(self, component: str, object_id: str) -> str:
        return f"{self.discovery_prefix}/{component}/{self.node}/{object_id}/config"

    @property
    def ha_status(self) -> str:
        return f"{self.discovery_prefix}/status"  # Home Assistant's birth message: discovery is sent again
