"""The MQTT sink ([mqtt]): device states, availability, Home Assistant discovery, commands and alerts.

A Sink of its own rather than a SinkRunner handler: what matters is each device's newest state, not every
event, and the connection also carries commands the other way. So `submit` only updates per-device slots
(newest state wins; nothing to queue while the broker is away, so polling is never held up), and one
connection task publishes what changed, reconnecting with backoff. Each device's status is the read model's
(solarctl/read_model.py, over the sink's own copy of the device's state fed the same events as the hub): one not
fresh (its latest poll failed, its values are older than three polls, or it was never read) is published
unavailable, with its status word and reason on PREFIX/DEVICE/status, and its state is not published again
until a new poll brings fresh values: stale values never reach the broker as current. The state merges every
poll's values, so what is read only now and then (ratings, versions, settings) stays in it across a failure.
Home Assistant is told of a metric's entity once the device has delivered a value for it (or an earlier run
told it), so no entity waits for a value the device never sends.

Per message kind (the README's MQTT table):
  PREFIX/status               online / offline (last will)   QoS 1, retained
  PREFIX/health               task and sink states (JSON)    QoS 1, retained, on change
  PREFIX/DEVICE/availability  online / offline               QoS 1, retained
  PREFIX/DEVICE/status        {"status", "reason", "sampled_at"}  QoS 1, retained, on change of status
  PREFIX/DEVICE/state         JSON, SI units                 QoS 0, retained (the newest replaces it anyway)
  PREFIX/DEVICE/SETTING/set   commands in                    subscribed QoS 1
  PREFIX/DEVICE/SETTING/result  the outcome of a command     QoS 1, not retained
  PREFIX/alerts/event         one alert change               QoS 1, not retained
  PREFIX/alerts/active        the active alerts              QoS 1, retained
  DISCOVERY/COMPONENT/NODE/OBJECT/config                     QoS 1, retained
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import ssl
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

import aiomqtt
import orjson
from paho.mqtt.subscribeoptions import SubscribeOptions

from solarctl.alerts.model import AlertEvent
from solarctl.bus.backoff import Backoff
from solarctl.clock import Clock
from solarctl.control.safe_write import WriteOutcome
from solarctl.control.setting_text import setting_value
from solarctl.devices import registry
from solarctl.devices.description import DriverDescription
from solarctl.hub import DeviceState, DropLog
from solarctl.publish.ha_discovery import (ALERT_EVENT_TYPES, alert_entities, delivered, device_entities,
                                           ha_device, metric_topics)
from solarctl.publish.mqtt_announced import AnnouncedTopics
from solarctl.publish.mqtt_config import MqttConfig, MqttSetupError
from solarctl.publish.mqtt_topics import Topics
from solarctl.publish.sink import SinkStatus
from solarctl.read_model import DeviceStatus, Status, device_status, stale_after
from solarctl.registers import Register
from solarctl.sample import PollError, Sample, Value
from solarctl.supervisor import Supervisor, cancel_and_wait

log = logging.getLogger(__name__)

SOURCE = "mqtt"  # the audit ledger's source for commands that came over MQTT
BACKLOG = 100  # command results and alert events kept while the broker is away (the oldest go first)
MAX_COMMANDS = 20  # commands being carried out at once; more are refused (a flood must not queue writes)


class CommandWriter(Protocol):
    """The daemon's SafeWriter, as the sink uses it."""

    async def write(self, device_name: str, setting: str, value: Value, *, source: str) -> WriteOutcome: ...

    def refuse(self, device_name: str, setting: str, value: Value, reason: str, *, source: str) -> WriteOutcome: ...


@dataclass
class DeviceFeed:
    """One device as the sink sees it: its description, what MQTT may set, and what to publish next."""

    description: DriverDescription
    max_age: float  # s after the latest good poll at which its values stop counting as current
    controlled: dict[str, Register] = field(default_factory=dict)  # setting name -> register
    # every poll's values merged (the newest of each), the latest poll's error: as the hub keeps them
    state: DeviceState = field(default_factory=lambda: DeviceState(""))
    state_due: bool = False
    online: bool | None = None  # what the broker was last told (None: nothing yet on this connection)
    status_sent: Status | None = None  # the status word the broker was last told
    shown: set[str] = field(default_factory=set)  # metrics HA is told of: delivered once, now or in an earlier run
    discovered: tuple[dict[str, Any], frozenset[str]] | None = None  # (device info, shown) last announced here

    @property
    def values(self) -> dict[str, Value]:
        return self.state.values

    def status(self, now: float) -> DeviceStatus:
        return device_status(self.state.name, self.state, now, self.max_age)

    def fresh(self, now: float) -> bool:
        return self.status(now).fresh


class MqttSink:
    name = "mqtt"

    def __init__(self, config: MqttConfig, feeds: Mapping[str, DeviceFeed], writer: CommandWriter, clock: Clock,
                 announced: AnnouncedTopics, health: Callable[[], dict[str, str]] | None = None) -> None:
        self.config = config
        self.health = health  # the daemon's task and sink states, published on change
        self._health_sent: dict[str, str] | None = None
        self.feeds = dict(feeds)
        self.writer = writer
        self.clock = clock
        self.announced = announced
        self.topics = Topics(config.topic_prefix, config.discovery_prefix, config.client_id)
        self.password = _password(config)
        self.tls = _tls_context(config)
        self.drops = DropLog(f"sink {self.name}", log)
        self.published = 0  # messages handed to the broker
        self.superseded = 0  # states replaced by a newer one before they went out (not losses)
        self.failures = 0  # connection attempts failed since the last success
        self.last_error: str | None = None
        self.connected = False
        self._results: deque[tuple[str, bytes]] = deque()
        self._alert_events: deque[bytes] = deque()
        self._active_alerts: dict[int, dict[str, Any]] = {}
        self._alerts_due = False
        self._base_discovery_due = True  # alert entities, and clearing entities of devices no longer configured
        self._wake = asyncio.Event()
        self._client: aiomqtt.Client | None = None
        self._tasks: list[asyncio.Task] = []
        self._commands: set[asyncio.Task] = set()

    # --- the Sink protocol -------------------------------------------------------------------------

    TASKS = ("sink mqtt connection", "sink mqtt freshness")

    async def start(self, supervisor: Supervisor | None = None) -> None:
        self.supervisor = supervisor or Supervisor(self.clock)
        self._tasks = [self.supervisor.spawn(name, loop) for name, loop in
                       zip(self.TASKS, (self._connection_loop, self._watch_freshness))]

    def submit(self, event: Any) -> None:
        if isinstance(event, AlertEvent):
            self._alert(event)
        elif (feed := self.feeds.get(getattr(event, "device", None))) is None:
            return
        elif isinstance(event, Sample):
            if feed.state_due:
                self.superseded += 1
            feed.state.apply(event)
            feed.state_due = True
        elif isinstance(event, PollError):  # unavailable until a poll brings fresh values; those read only now
            feed.state.apply(event)         # and then (versions, ratings, settings) stay for the next state
            feed.state_due = False
        self._wake.set()

    async def stop(self, timeout: float = 5.0) -> None:
        """Say offline (each device, then solarctl) while still connected, then disconnect; each device's retained
        status is cleared (an empty retained message), so no one reads a stopped daemon's `fresh`."""
        client = self._client
        if client is not None:
            try:
                async with asyncio.timeout(timeout):
                    for device in self.feeds:
                        await self._publish(client, self.topics.availability(device), b"offline", 1, True)
                        await self._publish(client, self.topics.device_status(device), b"", 1, True)  # no status now
                    await self._publish(client, self.topics.status, b"offline", 1, True)
            except Exception as error:  # best effort: the broker sends the last will otherwise
                log.warning("mqtt: could not say offline on the way out: %s", _sentence(error))
        if left := await cancel_and_wait([*self._tasks, *self._commands]):
            log.error("mqtt: %d task(s) did not end on the way out", len(left))
        self._tasks = []
        self.connected = False

    def status(self) -> SinkStatus:
        state = "stopped" if not self._tasks else "ok" if self.connected else "disconnected"
        failures, error = self.failures, self.last_error
        if self._tasks and (down := self.supervisor.down(*self.TASKS)):
            state, failures, error = "down", down.failures, f"task {down.name}: {down.last_error}"
        queued = sum(f.state_due for f in self.feeds.values()) + len(self._results) + len(self._alert_events)
        return SinkStatus(state, queued, self.drops.total, self.published, failures, error,
                          {"connected": self.connected, "superseded": self.superseded})

    # --- alerts and commands -----------------------------------------------------------------------

    def _alert(self, event: AlertEvent) -> None:
        record = dataclasses.asdict(event)
        if event.state == "active":
            self._active_alerts[event.id] = record
        else:
            self._active_alerts.pop(event.id, None)
        if event.state in ALERT_EVENT_TYPES:
            self._backlog(self._alert_events, orjson.dumps({"event_type": event.state, **record}))
        self._alerts_due = True

    def _backlog(self, queue: deque, item: Any) -> None:
        if len(queue) >= BACKLOG:
            queue.popleft()
            self.drops.lost(why="the broker is away and its backlog of results and alerts is full")
        queue.append(item)

    async def _command(self, device: str, setting: str, payload: bytes) -> None:
        text = payload.decode("utf-8", "replace").strip()
        feed = self.feeds.get(device)
        reg = feed.controlled.get(setting) if feed is not None else None
        if feed is None or reg is None:
            outcome = self.writer.refuse(device, setting, text, f"{device}.{setting} is not open to MQTT control; "
                                         f"add it to [mqtt] control to allow it", source=SOURCE)
        else:
            outcome = await self.writer.write(device, setting, setting_value(reg, text), source=SOURCE)
            read_back = outcome.after if outcome.outcome == "written" else outcome.before
            if outcome.outcome in ("written", "unchanged") and feed.fresh(self.clock.time()):
                feed.values[reg.name] = read_back  # read from the device just now: HA sees the switch move at once
                feed.state_due = True
        log.info("mqtt command %s.%s = %r: %s", device, setting, text, outcome.describe())
        self._answer(device, setting, outcome)

    def _answer(self, device: str, setting: str, outcome: WriteOutcome) -> None:
        result = {"time": self.clock.time(), "ok": outcome.ok, **dataclasses.asdict(outcome)}
        self._backlog(self._results, (self.topics.result(device, setting), orjson.dumps(result)))
        self._wake.set()

    # --- the connection ----------------------------------------------------------------------------

    async def _connection_loop(self) -> None:
        backoff = Backoff(initial=1.0, maximum=60.0)
        while True:
            try:
                await self._session(backoff)
            except* Exception as group:  # whatever broke the connection: reconnect, never stop
                error = group.exceptions[0]
                self.last_error = _sentence(error)
            self.connected = False
            self._client = None
            self.failures += 1
            delay = backoff.next_delay()
            if self.failures == 1:
                log.error("mqtt: broker %s:%d unreachable or lost (%s); retrying with backoff",
                          self.config.host, self.config.port, self.last_error)
            await self.clock.sleep(delay)

    async def _session(self, backoff: Backoff) -> None:
        cfg = self.config
        will = aiomqtt.Will(self.topics.status, b"offline", qos=1, retain=True)
        # MQTT 5: only its "retain as published" shows a command published with the retain flag as retained
        # (3.1.1 brokers clear the flag towards subscribers already there), so every retained command is ignored.
        client = aiomqtt.Client(cfg.host, cfg.port, username=cfg.username, password=self.password,
                                identifier=cfg.client_id, will=will, keepalive=cfg.keepalive, timeout=cfg.timeout,
                                tls_context=self.tls, protocol=aiomqtt.ProtocolVersion.V5)
        async with client:
            if self.failures:
                log.warning("mqtt: connected to %s:%d again after %d failed attempt(s)", cfg.host, cfg.port,
                            self.failures)
            self.failures = 0
            backoff.reset()
            self._client = client
            self.connected = True
            for feed in self.feeds.values():  # the broker may have lost every retained message: say it all again
                feed.online = feed.status_sent = None
                feed.state_due = feed.state.last_sample_at is not None
            self._rediscover()
            self._alerts_due = True
            self._health_sent = None
            await client.subscribe(self.topics.commands, options=SubscribeOptions(qos=1, retainAsPublished=True))
            await client.subscribe(self.topics.ha_status, qos=1)
            await self._publish(client, self.topics.status, b"online", 1, True)
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._listen(client))
                tasks.create_task(self._publish_loop(client))

    async def _listen(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            topic = str(message.topic)
            payload = bytes(message.payload) if isinstance(message.payload, (bytes, bytearray)) else \
                str(message.payload or "").encode()
            if topic == self.topics.ha_status:
                if payload == b"online":  # Home Assistant restarted: it wants discovery again
                    self._rediscover()
                    self._wake.set()
            elif (target := self.topics.parse_command(topic)) is None:
                continue
            elif not payload:  # an empty retained message clears a retained command: nothing to carry out
                log.debug("mqtt: %s cleared (an empty message); nothing to do", topic)
            elif message.retain:  # kept by the broker for whoever subscribes later: acting on it could undo a later change
                log.warning("mqtt: ignored a retained command on %s; publish commands without the retain flag", topic)
            elif len(self._commands) >= MAX_COMMANDS:
                self._answer(*target, self.writer.refuse(*target, payload.decode("utf-8", "replace"),
                                                         f"more than {MAX_COMMANDS} commands waiting; send it again later",
                                                         source=SOURCE))
            else:
                # Its own task: a write outlives a lost connection, and its result goes out on the next one.
                task = asyncio.create_task(self._command(*target, payload), name=f"mqtt-command-{topic}")
                self._commands.add(task)
                task.add_done_callback(self._commands.discard)

    async def _publish_loop(self, client: aiomqtt.Client) -> None:
        while True:
            self._wake.clear()
            await self._flush(client)
            await self._wake.wait()

    async def _flush(self, client: aiomqtt.Client) -> None:
        now = self.clock.time()
        if self.config.discovery:
            await self._discover(client)
        for device, feed in self.feeds.items():
            status = feed.status(now)
            fresh = status.fresh
            if feed.state_due and fresh:
                feed.state_due = False  # before the await: a sample arriving meanwhile makes it due again
                state = orjson.dumps({**feed.values, "timestamp": status.sampled_at})
                await self._publish(client, self.topics.state(device), state, 0, True)
            elif not fresh:
                feed.state_due = False
            if feed.online is not fresh:
                await self._publish(client, self.topics.availability(device), b"online" if fresh else b"offline", 1, True)
                feed.online = fresh
            if feed.status_sent != status.status:
                await self._publish(client, self.topics.device_status(device), orjson.dumps(status.as_dict()), 1, True)
                feed.status_sent = status.status
        while self._results:
            topic, payload = self._results[0]
            await self._publish(client, topic, payload, 1, False)
            self._results.popleft()
        while self._alert_events:
            await self._publish(client, self.topics.alert_event, self._alert_events[0], 1, False)
            self._alert_events.popleft()
        if self._alerts_due:
            self._alerts_due = False
            active = list(self._active_alerts.values())
            await self._publish(client, self.topics.alerts_active, orjson.dumps({"count": len(active), "alerts": active}), 1, True)
        if self.health is not None and (health := self.health()) != self._health_sent:
            await self._publish(client, self.topics.health, orjson.dumps(health), 1, True)
            self._health_sent = health

    async def _discover(self, client: aiomqtt.Client) -> None:
        """Announce each device whose HA device info is new on this connection (or changed: firmware read), or
        that delivered a metric HA is not told of yet."""
        due = {}
        for device, feed in self.feeds.items():
            feed.shown |= {name for name, value in feed.values.items()
                           if value is not None and name in feed.description.metrics}
            seen = (ha_device(self.topics, device, feed.description, feed.values), frozenset(feed.shown))
            if seen != feed.discovered:
                due[device] = seen
        for device, seen in due.items():
            feed = self.feeds[device]
            topics = []
            for entity in device_entities(self.topics, device, feed.description, feed.values,
                                          feed.controlled.values(), feed.max_age, feed.shown):
                topics.append(topic := self.topics.config(entity.component, entity.object_id))
                await self._publish(client, topic, orjson.dumps(entity.payload), 1, True)
            self.announced.add(topics)
            feed.discovered = seen
        if self._base_discovery_due:
            await self._announce_alerts_and_withdraw(client)

    async def _announce_alerts_and_withdraw(self, client: aiomqtt.Client) -> None:
        current = {self.topics.config(e.component, e.object_id) for e in self._all_entities()}
        alerts = []
        for entity in alert_entities(self.topics):
            alerts.append(topic := self.topics.config(entity.component, entity.object_id))
            await self._publish(client, topic, orjson.dumps(entity.payload), 1, True)
        for topic in sorted(self.announced.withdrawn(current)):
            await self._publish(client, topic, b"", 1, True)  # an empty retained config removes the entity
            log.info("mqtt: removed %s from Home Assistant (no longer configured)", topic)
        self.announced.keep_only(current)
        self.announced.add(alerts)
        self._base_discovery_due = False

    def _rediscover(self) -> None:
        for feed in self.feeds.values():
            feed.discovered = None
        self._base_discovery_due = True

    def _all_entities(self):
        """Every entity the config allows (of every metric, delivered or not): what is not among them is withdrawn."""
        for device, feed in self.feeds.items():
            yield from device_entities(self.topics, device, feed.description, {}, feed.controlled.values(), feed.max_age)
        yield from alert_entities(self.topics)

    async def _publish(self, client: aiomqtt.Client, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        async with asyncio.timeout(self.config.timeout):
            await client.publish(topic, payload, qos=qos, retain=retain)
        self.published += 1

    async def _watch_freshness(self) -> None:
        """Wake the publisher when a device's values grow too old, so it is said unavailable without a new event."""
        while True:
            await self.clock.sleep(1.0)
            now = self.clock.time()
            if any(feed.status_sent != feed.status(now).status for feed in self.feeds.values()) or \
                    (self.health is not None and self.health() != self._health_sent):
                self._wake.set()


def _password(config: MqttConfig) -> str | None:
    try:
        return config.read_password()
    except OSError as error:
        raise MqttSetupError(f"cannot read [mqtt] password_file {config.password_file} ({error.strerror}); "
                             f"make it readable by this user or set the password another way") from None


def _tls_context(config: MqttConfig) -> ssl.SSLContext | None:
    if not config.tls:
        return None
    try:
        return ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    except (OSError, ssl.SSLError) as error:
        raise MqttSetupError(f"cannot use [mqtt] ca_file {config.ca_file} ({error}); point it at a PEM CA "
                             f"certificate or remove it to use the system CAs") from None


def _sentence(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def daemon_mqtt_sink(config: Any, devices: Mapping[str, Any], writer: CommandWriter, clock: Clock,
                     health: Callable[[], dict[str, str]] | None = None) -> MqttSink:
    """The daemon's sink from the whole config: one feed per polled device, the announced record in the data dir."""
    drivers = {d.name: delivered(registry.describe(d.driver), d) for d in config.device}
    max_age = {d.name: stale_after(d) for d in config.device}
    sink = mqtt_sink(config.mqtt, devices, drivers, max_age, writer, clock, config.general.data_dir)
    sink.health = health
    return sink


def mqtt_sink(config: MqttConfig, devices: Mapping[str, Any], drivers: Mapping[str, DriverDescription],
              max_age: Mapping[str, float], writer: CommandWriter, clock: Clock, data_dir: Path | None) -> MqttSink:
    """One feed per polled device (`devices`: name -> Device), with the settings [mqtt] control opens."""
    feeds = {name: DeviceFeed(drivers[name], max_age[name], state=DeviceState(name)) for name in devices}
    for ref in config.control:
        device, _, setting = ref.partition(".")
        if device not in devices:
            raise MqttSetupError(f"[mqtt] control {ref!r}: device {device!r} is not polled (enabled = false?); "
                                 f"enable it or remove the entry")
        reg = devices[device].setting(setting)
        if reg is None:
            writable = ", ".join(r.setting_name for r in devices[device].settings())
            raise MqttSetupError(f"[mqtt] control {ref!r}: {setting!r} is not a writable setting of {device!r} "
                                 f"(writable: {writable or 'none'}); correct or remove it")
        feeds[device].controlled[setting] = reg
    announced = AnnouncedTopics(data_dir / "mqtt_discovery.json" if data_dir is not None else None)
    topics = Topics(config.topic_prefix, config.discovery_prefix, config.client_id)
    for name, feed in feeds.items():  # entities an earlier run announced are announced again from the start
        feed.shown = {metric for metric, topic in metric_topics(topics, name, feed.description.metrics).items()
                      if topic in announced.topics}
    return MqttSink(config, feeds, writer, clock, announced)
