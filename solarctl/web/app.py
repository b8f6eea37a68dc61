"""The web app: the page (static files, no build step) and the JSON API it uses, with its OpenAPI at
/openapi.json and /docs, plus Prometheus /metrics. Everything comes through the daemon's `Facade` (statuses
from the read model, history from its database, alerts, audit, plans); a change needs a login and its CSRF
token, and goes through the daemon's SafeWriter as `web:<user>`."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, datetime
from importlib import resources
from typing import Any, AsyncIterator, Union
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field, field_validator

from solarctl.alerts.model import AlertEvent
from solarctl.api.standard_json import dumps
from solarctl.facade import Facade
from solarctl.hub import Event
from solarctl.web.history import History, Period
from solarctl.web.limits import BodyLimit, client_address
from solarctl.web.live import LiveView
from solarctl.web.metrics import exposition
from solarctl.web.sessions import LoginRefused, Session, Sessions

COOKIE = "solarctl_session"
STATIC = resources.files("solarctl.web").joinpath("static")
KEEPALIVE_S = 15.0
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)  # days any history query may name
MAX_SPAN_DAYS = 3660  # of an energy summary: ten years


class Login(BaseModel):
    user: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class SettingChange(BaseModel):
    value: Union[int, float, str] = Field(union_mode="left_to_right")
    dry_run: bool = False
    confirm: bool = False  # required for a value that cuts power to the loads (Register.cuts_power)

    @field_validator("value", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: Any) -> Any:
        if isinstance(value, bool):  # JSON true was once taken as 1.0 V
            raise ValueError("true and false are not setting values; give a number or one of the setting's choices")
        if isinstance(value, str) and len(value) > 64:
            raise ValueError("a setting value is at most 64 characters")
        return value


def cuts_power(reg, value) -> bool:
    """The value (its text, or an enum's raw number) is one that cuts power to the loads."""
    named = reg.enum.get(value) if reg.enum and isinstance(value, int) and not isinstance(value, bool) else value
    return named in reg.cuts_power


class StandardJSONResponse(JSONResponse):
    """JSON without NaN or Infinity (a value not known is null): what every JSON parser reads."""

    def render(self, content: Any) -> bytes:
        return dumps(content, separators=(",", ":")).encode()


def _sentence(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where or 'the request'}: {str(item.get('msg', 'invalid')).removeprefix('Value error, ')}")
    return "; ".join(parts)


def create_app(daemon: Facade) -> FastAPI:
    web = daemon.config.web
    live = LiveView(daemon)
    sessions = Sessions(web.users, daemon.clock, lifetime_s=web.session_minutes * 60,
                        attempts_per_minute=web.login_attempts)
    app = FastAPI(title="solarctl", summary="The installation live, its history, alerts and audit; changes after login",
                  default_response_class=StandardJSONResponse)
    app.add_middleware(BodyLimit)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return StandardJSONResponse({"detail": _sentence(error)}, status_code=422)

    def history() -> History:
        return History(daemon.database(), daemon.config.storage.timezone)

    def session_of(request: Request) -> Session | None:
        return sessions.get(request.cookies.get(COOKIE))

    def writer_session(request: Request, x_csrf_token: str | None = Header(None)) -> Session:
        session = session_of(request)
        if session is None:
            raise HTTPException(401, "log in first: changes need a logged-in user")
        if not sessions.csrf_ok(session, x_csrf_token):
            raise HTTPException(403, "the request lacks this session's CSRF token; reload the page and try again")
        return session

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(str(STATIC.joinpath("index.html")), headers={"Cache-Control": "no-store"})

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> FileResponse:
        if name not in {"app.js", "style.css"}:
            raise HTTPException(404, f"no static file {name!r}")
        return FileResponse(str(STATIC.joinpath(name)))

    @app.get("/api/latest", tags=["live"])
    async def latest() -> dict[str, Any]:
        """Every device's latest values, units, alarms, staleness and link health; the installation's power
        flow by role; each sink's health."""
        return live.snapshot()

    @app.get("/api/catalogue", tags=["live"])
    async def catalogue() -> dict[str, dict[str, dict]]:
        """device -> metric -> unit, display precision, kind, role and label."""
        return live.catalogue()

    @app.get("/api/stream", tags=["live"])
    async def stream() -> StreamingResponse:
        """Server-sent events: a `snapshot` at once, then a `device` event for every poll (its device's state
        and the new power flow) and an `alert` event for every change of an alert."""
        return StreamingResponse(_events(daemon, live), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @app.get("/api/history", tags=["history"])
    async def series(device: str = Query(..., min_length=1, max_length=64),
                     metric: str = Query(..., min_length=1, max_length=64), period: Period = "day",
                     day: date = Query(None, ge=FIRST_DAY, le=LAST_DAY,
                                       description="last local day shown (default: today)")) -> dict[str, Any]:
        """[[epoch_s, min, mean, max], …] from the minute rollup (day) or the hourly one (week, month, year)."""
        end = day or _today(daemon)
        return {"device": device, "metric": metric, "period": period, "day": end.isoformat(),
                "points": await history().series(device, metric, period, end)}

    @app.get("/api/energy", tags=["history"])
    async def energy(first: date = Query(None, ge=FIRST_DAY, le=LAST_DAY),
                     last: date = Query(None, ge=FIRST_DAY, le=LAST_DAY)) -> list[dict]:
        """The daily energy summary (kWh; self-consumption and autarky 0..1), local days (default: the last 7)."""
        end = last or _today(daemon)
        start = first or date.fromordinal(max(FIRST_DAY.toordinal(), end.toordinal() - 6))
        if not 0 <= (end - start).days <= MAX_SPAN_DAYS:
            raise HTTPException(422, f"first ({start}) must not be after last ({end}), and at most {MAX_SPAN_DAYS} "
                                     f"days before it")
        return await history().energy(start, end)

    @app.get("/api/audit", tags=["control"])
    async def audit(limit: int = Query(50, ge=1, le=1000)) -> list[dict]:
        """The latest write attempts, newest first, whatever their outcome and source."""
        return list(reversed(daemon.audit()[-limit:]))

    @app.get("/api/alerts", tags=["control"])
    async def alerts(active: bool = False) -> list[dict]:
        """Alerts of the daemon's alert manager (`active`: only those still active), as AlertEvents."""
        return [dataclasses.asdict(e) for e in daemon.alerts(active_only=active)]

    @app.post("/api/alerts/{alert_id}/ack", tags=["control"])
    async def acknowledge(alert_id: int, session: Session = Depends(writer_session)) -> dict:
        """Acknowledge an open alert (login and CSRF token as for changes)."""
        event = daemon.ack(alert_id)
        if event is None:
            raise HTTPException(404, f"no open alert has id {alert_id}; reload the page to see the current ones")
        return dataclasses.asdict(event)

    @app.get("/api/plan", tags=["control"])
    async def plan() -> dict:
        """The `forecast` strategy's current plan (per step: PV, load, battery, grid power, price, SoC), or why it has
        none yet; `plans` is empty when no planning strategy runs."""
        return daemon.plan()

    @app.get("/api/settings", tags=["control"])
    async def settings() -> dict[str, list[dict]]:
        """device -> its writable settings: name, unit, range or choices, and the latest polled value."""
        out = {}
        for name in daemon.devices():
            values = daemon.status(name).values
            out[name] = [{"setting": reg.setting_name, "metric": reg.name, "unit": reg.unit, "min": reg.min,
                          "max": reg.max, "choices": list(reg.enum.values()) if reg.enum else None,
                          "cuts_power": list(reg.cuts_power),
                          "value": values.get(reg.name)} for reg in daemon.settings(name)]
        return {name: regs for name, regs in out.items() if regs}

    @app.post("/api/settings/{device}/{setting}", tags=["control"])
    async def change(device: str, setting: str, body: SettingChange,
                     session: Session = Depends(writer_session)) -> dict:
        """Change one setting through the safe-write layer (validated, budgeted, read back, audited as
        `web:<user>`). 401 without a login, 403 without the CSRF token, 409 for a value that cuts power to the
        loads unless `confirm` is true."""
        reg = daemon.setting(device, setting)
        if reg is not None and cuts_power(reg, body.value) and not body.confirm:
            return JSONResponse({"detail": f"{device}.{setting} = {body.value} cuts power to the loads; "
                                           "send it again with confirm = true to go ahead", "confirm": True},
                                status_code=409)
        outcome = await daemon.write(device, setting, body.value, source=f"web:{session.user}",
                                     dry_run=True if body.dry_run else None)
        return {**dataclasses.asdict(outcome), "ok": outcome.ok, "message": outcome.describe()}

    @app.get("/api/session", tags=["login"])
    async def whoami(request: Request) -> dict:
        """The logged-in user and this session's CSRF token (send it as X-CSRF-Token), or user null."""
        session = session_of(request)
        return {"user": None} if session is None else {"user": session.user, "csrf": session.csrf,
                                                       "expires_at": session.expires_at}

    @app.post("/api/login", tags=["login"])
    async def login(body: Login, request: Request) -> JSONResponse:
        client = client_address(request.client.host if request.client else None,
                                request.headers.get("x-forwarded-for"), web.trusted_proxies)
        try:
            token, session = await asyncio.to_thread(sessions.login, body.user, body.password, client)
        except LoginRefused as exc:
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        response = JSONResponse({"user": session.user, "csrf": session.csrf, "expires_at": session.expires_at})
        response.set_cookie(COOKIE, token, max_age=int(web.session_minutes * 60), httponly=True, samesite="strict")
        return response

    @app.post("/api/logout", tags=["login"])
    async def logout(request: Request, response: Response) -> dict:
        sessions.logout(request.cookies.get(COOKIE))
        response.delete_cookie(COOKIE)
        return {"user": None}

    @app.get("/metrics", response_class=PlainTextResponse, tags=["metrics"])
    async def metrics() -> PlainTextResponse:
        """Prometheus text format: every numeric metric, link health per device, health per sink."""
        return PlainTextResponse(exposition(live), media_type="text/plain; version=0.0.4")

    return app


async def _events(daemon: Facade, live: LiveView) -> AsyncIterator[str]:
    subscription = daemon.subscribe(maxsize=100, name="web page")
    try:
        yield _sse("snapshot", live.snapshot())
        while True:
            try:
                async with asyncio.timeout(KEEPALIVE_S):  # a comment now and then keeps proxies from closing it
                    event: Event = await subscription.get()
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            if isinstance(event, AlertEvent):
                yield _sse("alert", dataclasses.asdict(event))
                continue
            yield _sse("device", {"name": event.device, "device": live.device(event.device), "flow": live.flow(),
                                  "time": daemon.clock.time()})
    finally:
        subscription.close()


def _sse(kind: str, data: Any) -> str:
    return f"event: {kind}\ndata: {dumps(data, default=str)}\n\n"


def _today(daemon: Facade) -> date:
    return datetime.fromtimestamp(daemon.clock.time(), ZoneInfo(daemon.config.storage.timezone)).date()
