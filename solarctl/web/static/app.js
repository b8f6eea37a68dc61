// solarctl's page: everything comes from the JSON API (/api/...) and the live stream (/api/stream).
"use strict";

const state = {catalogue: {}, devices: {}, session: {user: null}, settings: {}};
window.solarctlLatencies = [];  // seconds from a poll to its values on the page (bench/web.py reads them)

const $ = (id) => document.getElementById(id);
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function fmt(value, precision) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "ON" : "OFF";
  if (typeof value === "number") return precision == null ? String(value) : value.toFixed(precision);
  if (Array.isArray(value)) return value.length ? value.join(", ") : "none";
  return String(value);
}

function ago(epoch) {
  if (!epoch) return "never";
  const s = Math.max(0, Date.now() / 1000 - epoch);
  return s < 90 ? `${s.toFixed(0)} s ago` : s < 5400 ? `${(s / 60).toFixed(0)} min ago` : new Date(epoch * 1000).toLocaleString();
}

function metricInfo(device, metric) {
  return (state.catalogue[device] || {})[metric] || {};
}

function valueCell(device, metric, value) {
  const info = metricInfo(device, metric);
  const unit = info.unit && typeof value === "number" ? ` ${esc(info.unit)}` : "";
  const raw = typeof value === "object" ? JSON.stringify(value) : String(value);
  return `<span class="value" data-device="${esc(device)}" data-metric="${esc(metric)}" data-value="${esc(raw)}">` +
         `${esc(fmt(value, info.precision))}${unit}</span>`;
}

// --- live values ------------------------------------------------------------------------------------

function renderFlow(flow, time) {
  const watts = (v) => (v == null ? "–" : `${Math.round(v)} W`);
  for (const role of ["pv", "battery", "load", "grid"]) {
    const el = $(`flow-${role}`);
    el.textContent = watts(flow[role]);
    el.dataset.value = flow[role] == null ? "" : String(flow[role]);
  }
  $("flow-soc").textContent = flow.soc == null ? "–" : `${flow.soc.toFixed(0)} % SoC`;
  $("flow-grid-dir").textContent = flow.grid == null ? "" : flow.grid > 5 ? "import" : flow.grid < -5 ? "export" : "idle";
  $("arrow-battery").textContent = flow.battery == null ? "↔" : flow.battery > 5 ? "→ charging" : flow.battery < -5 ? "← discharging" : "‼ idle";
  $("arrow-pv").classList.toggle("active", (flow.pv || 0) > 5);
  $("updated").textContent = new Date(time * 1000).toLocaleTimeString();
}

function renderSinks(sinks, tasks) {
  const down = Object.entries(tasks || {}).filter(([, t]) => t.state === "down");  // supervised tasks waiting for a restart
  $("sinks").innerHTML = "outputs: " + Object.entries(sinks).map(([name, s]) =>
    `<span class="${s.state === "ok" ? "ok" : "bad"}" data-sink="${esc(name)}">${esc(name)} ${esc(s.state)}</span>` +
    (s.dropped ? ` (${s.dropped} dropped)` : "")).join(" · ") +
    down.map(([name, t]) => ` · <span class="bad" data-task="${esc(name)}" title="${esc(t.last_error || "")}">task ${esc(name)} down</span>`).join("");
}

async function refreshSinks() {
  const snap = await (await fetch("/api/latest")).json();
  renderSinks(snap.sinks, snap.tasks);
}

function healthLine(name, d) {
  const h = d.health || {};
  const rate = h.success_rate == null ? "–" : `${(h.success_rate * 100).toFixed(1)} %`;
  const stale = d.stale ? ' <span class="badge bad" data-stale="1">stale</span>' : "";
  const error = d.error ? ` <span class="bad">${esc(d.error)}</span>` : "";
  return `<p class="health" data-device="${esc(name)}">link: ${rate} ok, ${h.latency_avg_ms == null ? "–" : h.latency_avg_ms + " ms"},` +
         ` last good read ${esc(ago(h.last_good_at))}${stale}${error}</p>`;
}

function cellTable(name, cells, module) {
  const nums = cells.filter((v) => typeof v === "number");
  if (!nums.length) return "";
  const where = module == null ? "" : ` data-module="${esc(module)}"`;
  const min = Math.min(...nums), max = Math.max(...nums);
  const avg = nums.reduce((a, b) => a + b, 0) / nums.length;
  const cell = (i) => {
    const v = cells[i - 1];
    if (typeof v !== "number") return `<td class="lost" data-cell="${i}">#${i} –</td>`;  // a row lost on the wire
    const dev = Math.min(1, Math.abs(v - avg) / 0.05);
    const cls = v === min ? "min" : v === max ? "max" : "";
    const bg = v >= avg ? `rgba(220,80,60,${dev * 0.5})` : `rgba(60,120,220,${dev * 0.5})`;
    return `<td class="${cls}" style="background:${bg}" data-cell="${i}">#${i} ${fmt(v, 3)} V</td>`;
  };
  let rows = "";
  const half = cells.length / 2;
  if (cells.length >= 16 && cells.length % 2 === 0) {  // the pack's physical layout: 9..16 left, 8..1 right
    for (let i = 0; i < half; i++) rows += `<tr>${cell(half + 1 + i)}${cell(half - i)}</tr>`;
  } else {
    for (let i = 1; i <= cells.length; i++) rows += `<tr>${cell(i)}</tr>`;
  }
  const spread = max - min;
  return `<table class="cells" data-device="${esc(name)}"${where}>${rows}</table>` +
    `<p>min <b>${fmt(min, 3)} V</b> · max <b>${fmt(max, 3)} V</b> · average ${fmt(avg, 3)} V · ` +
    `<span class="spread ${spread > 0.05 ? "bad" : ""}" data-spread="${spread}">spread ${(spread * 1000).toFixed(0)} mV</span></p>`;
}

// A stack's cells by module: each module's own table (console `bat N`, RS485 0x42), or a high-voltage stack's
// whole-stack list cut by `cell_module_size`. Cells and the module's pwr values are read at different moments:
// each says when.
function moduleCells(name, values, sampledAt) {
  let modules = (Array.isArray(values.modules) ? values.modules : [])
    .filter((m) => Array.isArray(m.cell_voltages))
    .map((m) => ({index: m.index, cells: m.cell_voltages, readAt: m.cells_read_at, min: m.cell_voltage_min, max: m.cell_voltage_max}));
  if (!modules.length && Array.isArray(values.cell_voltages) && values.cell_module_size) {
    const size = values.cell_module_size;
    for (let start = 0; start < values.cell_voltages.length; start += size) {
      modules.push({index: start / size + 1, cells: values.cell_voltages.slice(start, start + size), readAt: values.cells_read_at});
    }
  }
  return modules.map((m) => {
    if (typeof m.readAt === "string") m.readAt = Date.parse(m.readAt) / 1000;  // ISO 8601 or epoch seconds
    const read = m.readAt ? `cells read <span class="read-at" data-cells-read-at="${m.readAt}">${esc(ago(m.readAt))}</span>` : "cells read in this poll";
    const pwr = m.min == null ? "" : ` · module's lowest / highest cell from its last poll (${esc(ago(sampledAt))}): ` +
      `${fmt(m.min, 3)} / ${fmt(m.max, 3)} V`;
    return `<h3>Module ${esc(m.index)}</h3><p class="caption" data-module-caption="${esc(m.index)}">${read}${pwr}</p>` +
      cellTable(name, m.cells, m.index);
  }).join("");
}

const SWITCHES = [["Charge", "charge_enabled", "charge_mosfet"], ["Discharge", "discharge_enabled", "discharge_mosfet"],
                  ["Balance", "balancer_enabled", "balancer_active"]];

function switchLine(values) {
  const parts = SWITCHES.filter(([, s, a]) => s in values || a in values)
    .map(([label, s, a]) => `${label}: <b>${fmt(values[s] ?? null)} ⇒ ${fmt(values[a] ?? null)}</b>`);
  return parts.length ? `<p class="switches">${parts.join(" · ")} <small>(setting ⇒ actual)</small></p>` : "";
}

function renderDevice(name, d) {
  state.devices[name] = d;
  let card = $(`device-${name}`);
  if (!card) {
    card = document.createElement("article");
    card.id = `device-${name}`;
    card.className = "device";
    $("devices").appendChild(card);
  }
  card.dataset.sampledAt = d.sampled_at || "";
  const values = d.values || {};
  const catalogue = state.catalogue[name] || {};
  const modes = [], faults = [], numbers = [];
  for (const [metric, value] of Object.entries(values)) {
    const kind = (catalogue[metric] || {}).kind;
    if (metric === "cell_voltages" || metric === "modules" || metric === "cell_temperatures") continue;
    const flags = (catalogue[metric] || {}).flags;  // what set flags are: fault, warning or state (a mode)
    if (kind === "enum" || typeof value === "string" || flags === "state") modes.push(metric);
    else if (Array.isArray(value) && value.every((v) => typeof v === "string")) faults.push(metric);
    else numbers.push(metric);
  }
  const rows = (list) => list.map((m) => `<tr><th>${esc(m.replaceAll("_", " "))}</th><td>${valueCell(name, m, values[m])}</td></tr>`).join("");
  const flagClass = (m) => !values[m].length ? "" : (catalogue[m] || {}).flags === "warning" ? "warn" : "bad";
  const faultRows = faults.map((m) => `<tr class="${flagClass(m)}" data-flags="${esc((catalogue[m] || {}).flags || "")}"><th>${esc(m.replaceAll("_", " "))}</th>` +
                                      `<td>${valueCell(name, m, values[m])}</td></tr>`).join("");
  const alarms = (d.alarms || []).length ? `<p class="bad">alarms: ${esc(d.alarms.join(", "))}</p>` : "";
  const stacked = moduleCells(name, values, d.sampled_at);  // Pylontech: cells by module
  const battery = Array.isArray(values.cell_voltages) || Array.isArray(values.modules);
  // the driver's main values (catalogue labels), unless the battery line shows them already
  const main = battery ? [] : Object.entries(catalogue).filter(([m, info]) => info.label && m in values).map(([m, info]) => [m, info.label]);
  card.innerHTML = `<h2>${esc(name)} <small>${esc(d.driver)}</small></h2>${healthLine(name, d)}${alarms}` +
    (battery ? `<p class="big">${valueCell(name, "soc", values.soc)} · ${valueCell(name, "voltage", values.voltage)} · ` +
               `${valueCell(name, "current", values.current)}</p>${switchLine(values)}` +
               (stacked || (Array.isArray(values.cell_voltages) ? cellTable(name, values.cell_voltages) : "")) : "") +
    (modes.length ? `<h3>Modes</h3><table>${rows(modes)}</table>` : "") +
    (faults.length ? `<h3>Faults and warnings</h3><table>${faultRows}</table>` : "") +
    (main.length ? `<p class="big">${main.map(([m, label]) => `${esc(label)} ${valueCell(name, m, values[m])}`).join(" · ")}</p>` : "") +
    `<details><summary>All values</summary><table>${rows(numbers)}</table></details>`;
  if (battery && values.current != null && values.soc != null) {
    document.title = `${values.current.toFixed(1)}A, ${values.soc.toFixed(0)}% SoC Battery`;
  }
}

function connectStream() {
  const source = new EventSource("/api/stream");
  source.addEventListener("open", () => { $("conn").textContent = "live"; $("conn").className = "badge ok"; });
  source.addEventListener("error", () => { $("conn").textContent = "reconnecting…"; $("conn").className = "badge bad"; });
  source.addEventListener("snapshot", (e) => {
    const snap = JSON.parse(e.data);
    for (const [name, d] of Object.entries(snap.devices)) renderDevice(name, d);
    renderFlow(snap.flow, snap.time);
    renderSinks(snap.sinks, snap.tasks);
  });
  source.addEventListener("device", (e) => {
    const ev = JSON.parse(e.data);
    renderDevice(ev.name, ev.device);
    renderFlow(ev.flow, ev.time);
    if (ev.device.sampled_at) window.solarctlLatencies.push(Date.now() / 1000 - ev.device.sampled_at);
  });
  source.addEventListener("alert", () => loadAlerts());
}

// --- history and energy -------------------------------------------------------------------------------

function fillMetricChoices() {
  const select = $("history-metric");
  const options = [];
  for (const [device, metrics] of Object.entries(state.catalogue)) {
    for (const [metric, info] of Object.entries(metrics)) {
      if (info.kind === "measurement") options.push([`${device}/${metric}`, info.role]);
    }
  }
  // power and SoC first: what one looks at most
  options.sort((a, b) => (b[1] ? 1 : 0) - (a[1] ? 1 : 0));
  select.innerHTML = options.map(([key]) => `<option value="${esc(key)}">${esc(key.replace("/", " · "))}</option>`).join("");
}

async function loadHistory() {
  const [device, metric] = ($("history-metric").value || "/").split("/");
  if (!device) return;
  const params = new URLSearchParams({device, metric, period: $("history-period").value});
  if ($("history-day").value) params.set("day", $("history-day").value);
  const data = await (await fetch(`/api/history?${params}`)).json();
  drawChart(data.points || [], metricInfo(device, metric));
}

function drawChart(points, info) {
  const svg = $("history-chart");
  svg.dataset.points = String(points.length);
  if (!points.length) {
    svg.innerHTML = '<text x="300" y="100" text-anchor="middle" class="muted">no data for this period</text>';
    $("history-caption").textContent = "";
    return;
  }
  const t0 = points[0][0], t1 = Math.max(points[points.length - 1][0], t0 + 60);
  const lo = Math.min(...points.map((p) => p[1])), hi = Math.max(...points.map((p) => p[3]));
  const span = hi - lo || 1;
  const x = (t) => ((t - t0) / (t1 - t0)) * 590 + 5, y = (v) => 195 - ((v - lo) / span) * 185;
  const band = points.map((p) => `${x(p[0])},${y(p[3])}`).concat(points.slice().reverse().map((p) => `${x(p[0])},${y(p[1])}`));
  const mean = points.map((p) => `${x(p[0])},${y(p[2])}`).join(" ");
  const dots = points.length < 3 ? points.map((p) => `<circle cx="${x(p[0])}" cy="${y(p[2])}" r="3" class="dot"/>`).join("") : "";
  svg.innerHTML = `<polygon class="band" points="${band.join(" ")}"/><polyline class="mean" points="${mean}"/>${dots}`;
  const unit = info.unit || "";
  $("history-caption").textContent = `${new Date(t0 * 1000).toLocaleString()} – ${new Date(t1 * 1000).toLocaleString()}: ` +
    `${fmt(lo, info.precision)} … ${fmt(hi, info.precision)} ${unit} (${points.length} points; band min–max, line mean)`;
}

async function loadEnergy() {
  const rows = await (await fetch("/api/energy")).json();
  const pct = (v) => (v == null ? "–" : `${(v * 100).toFixed(0)} %`);
  const kwh = (v) => (v == null ? "–" : v.toFixed(2));
  $("energy").querySelector("tbody").innerHTML = rows.reverse().map((r) =>
    `<tr><td>${esc(r.day)}</td><td>${kwh(r.pv_kwh)}</td><td>${kwh(r.load_kwh)}</td><td>${kwh(r.grid_import_kwh)}</td>` +
    `<td>${kwh(r.grid_export_kwh)}</td><td>${pct(r.self_consumption)}</td><td>${pct(r.autarky)}</td></tr>`).join("") ||
    '<tr><td colspan="7" class="muted">no days stored yet</td></tr>';
}

// --- alerts, audit, settings, login ---------------------------------------------------------------------

async function post(url, body) {
  const headers = {"Content-Type": "application/json"};
  if (state.session.csrf) headers["X-CSRF-Token"] = state.session.csrf;
  const response = await fetch(url, {method: "POST", headers, body: JSON.stringify(body || {})});
  const data = await response.json().catch(() => ({}));
  return {ok: response.ok, status: response.status, data};
}

async function loadAlerts() {
  const alerts = await (await fetch("/api/alerts?active=true")).json();
  $("alerts").innerHTML = alerts.map((a) => `<li class="${esc(a.severity)}">${esc(a.message || a.kind)} ` +
    `<small>${esc(a.device || "")} · ${esc(a.state)} · ${a.count}×</small>` +
    (state.session.user && a.state === "active" ? ` <button data-ack="${a.id}">Acknowledge</button>` : "") + "</li>").join("") ||
    '<li class="muted">none</li>';
}

async function loadAudit() {
  const entries = await (await fetch("/api/audit?limit=20")).json();
  $("audit").querySelector("tbody").innerHTML = entries.map((e) =>
    `<tr class="${e.outcome === "written" || e.outcome === "unchanged" ? "" : "bad"}"><td>${esc(new Date(e.time * 1000).toLocaleString())}</td>` +
    `<td>${esc(e.source)}</td><td>${esc(e.device)}.${esc(e.setting)}</td><td>${esc(fmt(e.before))} → ${esc(fmt(e.requested))}</td>` +
    `<td title="${esc(e.reason || "")}">${esc(e.outcome)}</td></tr>`).join("") || '<tr><td colspan="5" class="muted">no writes yet</td></tr>';
}

// The forecast strategy's plan, one row per hour (means of its steps; the SoC the hour ends at).
async function loadPlan() {
  const answer = await (await fetch("/api/plan")).json();
  const entry = answer.plans[0];
  $("plan-section").hidden = !entry;
  if (!entry) return;
  if (!entry.plan) { $("plan-basis").textContent = `no plan yet: ${entry.missing}`; return; }
  const p = entry.plan, perHour = Math.max(1, Math.round(3600 / p.step_s)), rows = [];
  const mean = (list, i) => list.slice(i, i + perHour).reduce((a, b) => a + b, 0) / list.slice(i, i + perHour).length;
  for (let i = 0; i < p.battery_w.length; i += perHour) {
    const when = new Date((p.made_at + i * p.step_s) * 1000).toLocaleString([], {weekday: "short", hour: "2-digit", minute: "2-digit"});
    const soc = p.soc_pct[Math.min(i + perHour, p.soc_pct.length) - 1];
    rows.push(`<tr><td>${esc(when)}</td>${[p.pv_w, p.load_w, p.battery_w, p.grid_w].map((l) => `<td>${mean(l, i).toFixed(0)}</td>`).join("")}` +
      `<td>${Math.max(...p.price.slice(i, i + perHour))}</td><td>${soc.toFixed(0)}</td></tr>`);
  }
  $("plan-basis").textContent = `made ${new Date(p.made_at * 1000).toLocaleString()}, cost ${p.cost.toFixed(2)}; ${p.basis}`;
  $("plan").querySelector("tbody").innerHTML = rows.join("");
}

async function loadSettings() {
  state.settings = await (await fetch("/api/settings")).json();
  const options = [];
  for (const [device, list] of Object.entries(state.settings)) {
    for (const s of list) {
      const range = s.choices ? s.choices.join(" / ") : s.min != null ? `${s.min}…${s.max} ${s.unit}` : s.unit;
      options.push(`<option value="${esc(device)}/${esc(s.setting)}">${esc(device)}.${esc(s.setting)} = ${esc(fmt(s.value))} (${esc(range)})</option>`);
    }
  }
  const chosen = $("setting-name").value;  // a refresh keeps the setting the user picked
  $("setting-name").innerHTML = options.join("");
  if (chosen && [...$("setting-name").options].some((o) => o.value === chosen)) $("setting-name").value = chosen;
}

function settingOf(device, setting) {
  return (state.settings[device] || []).find((s) => s.setting === setting);
}

function parseValue(text) {
  if (text === "true" || text === "false") return text === "true";
  return text.trim() !== "" && !isNaN(Number(text)) ? Number(text) : text;
}

function showSession() {
  const user = state.session.user;
  $("login-form").hidden = !!user;
  $("who").hidden = !user;
  $("who-user").textContent = user ? `logged in as ${user}` : "";
  $("settings-form").hidden = !user;
  $("settings-locked").hidden = !!user;
  loadAlerts();
}

async function wire() {
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const result = await post("/api/login", {user: $("login-user").value, password: $("login-password").value});
    $("login-password").value = "";
    $("login-message").textContent = result.ok ? "" : result.data.detail || "login failed";
    $("login-message").className = result.ok ? "message" : "message bad";
    if (result.ok) { state.session = result.data; showSession(); }
  });
  $("logout-button").addEventListener("click", async () => {
    await post("/api/logout");
    state.session = {user: null};
    showSession();
  });
  $("settings-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const [device, setting] = $("setting-name").value.split("/");
    const value = parseValue($("setting-value").value);
    const cuts = (settingOf(device, setting) || {}).cuts_power || [];
    // A value that cuts power to the loads is sent only after the user confirms it (the API insists too).
    const confirmed = cuts.includes(value) &&
      window.confirm(`${device}.${setting} = ${value} cuts power to the loads. Apply it?`);
    if (cuts.includes(value) && !confirmed) {
      $("setting-message").textContent = "not applied";
      $("setting-message").className = "message";
      return;
    }
    const result = await post(`/api/settings/${encodeURIComponent(device)}/${encodeURIComponent(setting)}`,
                              {value, confirm: confirmed});
    $("setting-message").textContent = result.data.message || result.data.detail || `failed (${result.status})`;
    $("setting-message").className = result.ok && result.data.ok ? "message ok" : "message bad";
    loadAudit();
    loadSettings();
  });
  $("alerts").addEventListener("click", async (e) => {
    if (e.target.dataset.ack) { await post(`/api/alerts/${e.target.dataset.ack}/ack`); loadAlerts(); }
  });
  for (const id of ["history-metric", "history-period", "history-day"]) $(id).addEventListener("change", loadHistory);
}

async function start() {
  wire();
  const [catalogue, session] = await Promise.all([fetch("/api/catalogue").then((r) => r.json()),
                                                  fetch("/api/session").then((r) => r.json())]);
  state.catalogue = catalogue;
  state.session = session;
  showSession();
  connectStream();
  fillMetricChoices();
  $("history-day").value = new Date().toLocaleDateString("sv");  // yyyy-mm-dd, local
  loadHistory(); loadEnergy(); loadAudit(); loadSettings(); loadPlan();
  setInterval(() => { loadAudit(); loadAlerts(); refreshSinks(); loadPlan(); }, 10000);
  setInterval(() => { loadHistory(); loadEnergy(); }, 60000);
}

start();
