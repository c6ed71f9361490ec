// FlashRig live dashboard: one snapshot, then pushed updates (server-sent events read through fetch, because
// EventSource cannot send the Authorization header and the token must not travel in a URL). The stream opens before
// the snapshot is read, so that nothing committed in between is missed; what it brings meanwhile waits for the
// snapshot and is applied over it.
"use strict";

const TOKEN_KEY = "flashrig.token";
const ENDED = new Set(["DONE", "FAILED", "INTERRUPTED", "REMOVED"]);
const view = {
  rigs: new Map(),        // rig name -> rig
  slots: new Map(),       // rig name -> Map(slot key -> board)
  failures: [],
  alerts: [],             // MAC alerts of the last days, newest first
  pool: null,
  heartbeatSeconds: 10,
  clockSkewMs: 0,
};
let stream = null;        // AbortController of the running event stream
let held = null;          // updates that arrived before the snapshot was drawn; null once it is
let retryMs = 1000;
// Updates a dashboard may hold while its snapshot loads; past that it starts over, as the server does with a dashboard
// that falls this far behind.
const MAX_HELD = 2048;

const $ = (id) => document.getElementById(id);
const token = () => sessionStorage.getItem(TOKEN_KEY);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}

class AuthError extends Error {}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + token(), Accept: "application/json" } });
  if (response.status === 401 || response.status === 403) {
    const problem = await response.json().catch(() => ({}));
    throw new AuthError(problem.detail || "The token was not accepted.");
  }
  if (!response.ok) {
    // The API answers problem+json: its sentence says what went wrong better than a status code.
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail || path + " answered " + response.status);
  }
  return response.json();
}

function showSignIn(message) {
  stopStream();
  sessionStorage.removeItem(TOKEN_KEY);
  $("live").hidden = true;
  $("sign-out").hidden = true;
  closeHistory();
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = message || "";
  setConnection(false);
}

async function start() {
  $("sign-in").hidden = true;
  const opened = openStream();
  const mine = stream;
  try {
    await opened;
    await loadSnapshot();
  } catch (e) {
    if (stream === mine) lost(e);
    return;
  }
  // Signed out meanwhile, or the stream failed and a fresh start is on its way.
  if (stream !== mine) return;
  // Updates older than the snapshot change nothing on replay: a board takes its slot, a known alert is skipped.
  const meanwhile = held;
  held = null;
  for (const update of meanwhile) apply(update);
  setConnection(true);
  retryMs = 1000;
  $("live").hidden = false;
  $("sign-out").hidden = false;
  loadStats();
  followHash();
}

// The stream or the snapshot failed: whatever was missed while away comes back with a fresh start.
function lost(e) {
  stopStream();
  if (e instanceof AuthError) return showSignIn(e.message);
  setConnection(false);
  setTimeout(start, nextRetry());
}

async function loadSnapshot() {
  const snap = await api("/api/v1/live/snapshot");
  view.clockSkewMs = Date.parse(snap.serverTime) - Date.now();
  view.heartbeatSeconds = snap.heartbeatSeconds;
  view.rigs = new Map(snap.rigs.map((r) => [r.name, r]));
  view.slots = new Map();
  for (const board of snap.slots) slotsOf(board.rig).set(slotKey(board), board);
  view.failures = snap.recentFailures;
  view.alerts = snap.alerts || [];
  view.pool = snap.pool;
  renderAll();
}

function slotsOf(rig) {
  if (!view.slots.has(rig)) view.slots.set(rig, new Map());
  return view.slots.get(rig);
}

// A slot is the hub port; without a port path (the listing watcher) the board itself stands for its slot.
const slotKey = (b) => b.portPath || b.serial;

// Opens the event stream and resolves once the server has answered: it is subscribed to every change committed from
// then on. The stream goes on being read; its updates are held until the snapshot is drawn.
function openStream() {
  stopStream();
  const controller = new AbortController();
  stream = controller;
  held = [];
  let opened = false;
  return new Promise((resolve, reject) => {
    fetch("/api/v1/live/events", { headers: { Authorization: "Bearer " + token(), Accept: "text/event-stream" },
      signal: controller.signal })
      .then(async (response) => {
        if (response.status === 401 || response.status === 403) throw new AuthError("The token is no longer accepted.");
        if (!response.ok || !response.body) throw new Error("live events answered " + response.status);
        opened = true;
        resolve();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
            if (data) receive(JSON.parse(data));
            if (controller.signal.aborted) return;
          }
        }
        throw new Error("live events ended");
      })
      .catch((e) => {
        // Stopped on purpose (signed out, or a fresh start replaced this stream): nothing to repair.
        if (controller.signal.aborted) return;
        // Before it opened, start() handles the failure; after, the dashboard starts over.
        if (opened) lost(e); else reject(e);
      });
  });
}

function receive(update) {
  if (update.type === "keep-alive") return;
  if (!held) return apply(update);
  held.push(update);
  if (held.length > MAX_HELD) lost(new Error("too many updates while the snapshot loaded"));
}

function stopStream() {
  if (stream) stream.abort();
  stream = null;
}

function nextRetry() {
  const wait = retryMs;
  retryMs = Math.min(retryMs * 2, 30000);
  return wait;
}

let statsTimer = null;
function apply(update) {
  if (update.type === "alert") {
    // The snapshot and the stream overlap around the moment they start: each alert is shown once.
    if (view.alerts.some((a) => a.id === update.alert.id)) return;
    view.alerts.unshift(update.alert);
    view.alerts.length = Math.min(view.alerts.length, 20);
    renderAlerts();
    return;
  }
  if (update.type === "rig") {
    view.rigs.set(update.rig.name, update.rig);
    renderRigs();
    return;
  }
  if (update.type === "board") {
    const board = update.board;
    slotsOf(board.rig).set(slotKey(board), board);
    if ((board.state === "FAILED" || board.state === "INTERRUPTED") && !listedFailure(board)) {
      view.failures.unshift({ rig: board.rig, serial: board.serial, slotLabel: board.slotLabel,
        portPath: board.portPath, failureCode: board.failureCode || board.state, message: board.message,
        at: board.lastEventAt });
      view.failures.length = Math.min(view.failures.length, 20);
      renderFailures();
    }
    if (update.pool) { view.pool = update.pool; renderPool(); }
    renderRigs();
    if (board.serial === shownSerial) refreshHistorySoon();
    if (ENDED.has(board.state)) {
      // Quality figures change when a job ends; one refresh for a burst of endings.
      clearTimeout(statsTimer);
      statsTimer = setTimeout(loadStats, 2000);
    }
  }
}

// An attempt that ended at the moment the snapshot was read may come again as a pushed update; its failure is listed
// once (the snapshot's time is the attempt's end, the update's its last event: the same moment).
function listedFailure(board) {
  const at = Date.parse(board.lastEventAt);
  return view.failures.some((f) => f.rig === board.rig && f.serial === board.serial && Date.parse(f.at) === at);
}

function setConnection(on) {
  const pill = $("connection");
  pill.textContent = on ? "live" : "offline";
  pill.className = "pill " + (on ? "on" : "off");
}

function renderAll() {
  renderAlerts();
  renderPool();
  renderFailures();
  renderRigs();
}

function renderPool() {
  const p = view.pool;
  if (!p) return;
  const share = p.total ? p.available / p.total : 0;
  const bar = $("pool-bar");
  bar.style.width = (100 * share).toFixed(1) + "%";
  bar.className = p.available === 0 ? "empty" : share < 0.1 ? "low" : "";
  $("pool-text").textContent = `${p.available} of ${p.total} MACs available · ${p.assigned} assigned · `
    + `${p.fused} fused · ${p.quarantined} quarantined`;
  $("pool-eta").textContent = p.hoursToExhaustion == null
    ? "No MACs assigned in the last 24 h: no exhaustion in sight."
    : `At ${p.assignedPerHour.toFixed(1)} MACs/h the pool lasts ${formatHours(p.hoursToExhaustion)}.`;
}

function formatHours(h) {
  if (h < 1) return Math.round(h * 60) + " min";
  if (h < 48) return h.toFixed(1) + " h";
  return (h / 24).toFixed(1) + " days";
}

// A MAC on two boards is what FlashRig exists to prevent: its alerts stand above everything else, and stay.
function renderAlerts() {
  $("alerts-card").hidden = view.alerts.length === 0;
  $("alerts").replaceChildren(...view.alerts.map((a) => el("li", {},
    el("span", { class: "code" }, a.kind), " ", new Date(a.createdAt).toLocaleString(), " · rig ", a.rig || "?",
    // A rig past its quota of new MACs is about the rig: there is no MAC to name.
    ...(a.mac ? [" · MAC ", el("span", { class: "code" }, a.mac)] : []),
    " · board ", serialLink(a.serial), " — ", a.message)));
}

function renderFailures() {
  const list = $("failures");
  list.replaceChildren(...view.failures.map((f) => el("li", {},
    el("div", {}, el("span", { class: "code" }, f.failureCode || ""), " ", f.rig, " · slot ",
      f.slotLabel || f.portPath || "?", " · ", serialLink(f.serial)),
    cut("div", { class: "clamp" }, f.message || ""))));
  if (!view.failures.length) list.append(el("li", { class: "muted" }, "No failures."));
}

function connected(rig) {
  // A replica that died cannot say its rigs left: a rig unseen for two heartbeats counts as disconnected.
  const seen = rig.lastSeen ? Date.parse(rig.lastSeen) : 0;
  return rig.connected && Date.now() + view.clockSkewMs - seen < 2000 * view.heartbeatSeconds;
}

// A rig clock more than 2 minutes off the server's (FLASHRIG_MAX_RIG_CLOCK_AHEAD's default): ahead, its events count
// from when the server received them; behind, their times are off by as much.
function clockPill(rig) {
  const skew = rig.clockAheadSeconds || rig.clockSkewSeconds || 0;
  if (Math.abs(skew) <= 120) return "";
  return el("span", { class: "pill warn", "data-clock-skew": skew,
    title: skew > 0 ? "The rig's clock runs ahead of the server's: its events count from when the server received them."
      : "The rig's clock runs behind the server's: its events' times are off by as much. Set its clock (NTP)." },
    `clock ${durationText(Math.abs(skew))} ${skew > 0 ? "ahead" : "behind"}`);
}

function durationText(seconds) {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function elapsed(startedAt, endedAt) {
  const from = Date.parse(startedAt);
  const to = endedAt ? Date.parse(endedAt) : Date.now() + view.clockSkewMs;
  const s = Math.max(0, Math.round((to - from) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function elapsedCell(board) {
  const cell = el("td", { class: "num", "data-started": board.startedAt }, elapsed(board.startedAt, board.endedAt));
  if (board.endedAt) cell.setAttribute("data-ended", board.endedAt);
  return cell;
}

// Once a second: the clocks move and a rig may turn stale. Only the elapsed times are rewritten, unless a rig's
// connection changed, so that the rows a person is clicking are not replaced under the pointer every second.
function tick() {
  if ($("live").hidden) return;
  for (const card of $("rigs").querySelectorAll("[data-rig]")) {
    const rig = view.rigs.get(card.dataset.rig) || { connected: false };
    if (String(connected(rig)) !== card.dataset.on) return renderRigs();
  }
  for (const cell of $("rigs").querySelectorAll("td[data-started]")) {
    cell.textContent = elapsed(cell.dataset.started, cell.dataset.ended);
  }
}

// A cell whose text may be cut to its column: the whole text stays on hover.
function cut(tag, attrs, text) {
  return el(tag, text ? { ...attrs, title: text } : attrs, text);
}

function slotOf(board) {
  return String(board.slotLabel || board.portPath || "");
}

// By slot as the rig's slot map names it (numbers in number order), never by when boards arrived.
function bySlot(a, b) {
  return slotOf(a).localeCompare(slotOf(b), undefined, { numeric: true })
    || String(a.portPath || "").localeCompare(String(b.portPath || ""), undefined, { numeric: true })
    || String(a.serial).localeCompare(String(b.serial));
}

function serialLink(serial) {
  if (!serial) return el("span", { class: "code" }, "?");
  return el("a", { class: "code serial", href: "#board/" + encodeURIComponent(serial),
    title: "History of board " + serial }, serial);
}

// The slot table's columns: a name for the stylesheet, the header, and what a short header stands for.
const SLOT_COLUMNS = [["slot", "Slot"], ["order", "#", "Power-up order: which board of the slot came first"],
  ["serial", "Serial", "A serial opens the board's history"], ["state", "State"], ["progress", "Progress"],
  ["mac", "MAC"], ["elapsed", "Time", "Elapsed since the board was detected, or how long its job took"],
  ["result", "Result"]];

function renderRigs() {
  const names = [...new Set([...view.rigs.keys(), ...view.slots.keys()])].sort();
  const cards = names.map((name) => {
    const rig = view.rigs.get(name) || { name, connected: false };
    const on = connected(rig);
    const boards = [...slotsOf(name).values()].sort(bySlot);
    const rows = boards.map((b) => el("tr", { "data-serial": b.serial },
      el("td", b.portPath ? { title: "port " + b.portPath } : {}, b.slotLabel || b.portPath || "—"),
      el("td", { class: "num" }, b.powerUpOrder ?? ""),
      el("td", {}, serialLink(b.serial)),
      el("td", { class: "state state-" + b.state }, b.state.replaceAll("_", " ").toLowerCase()),
      el("td", {}, progress(b)),
      el("td", { class: "code" }, b.mac || ""),
      elapsedCell(b),
      cut("td", {}, b.failureCode ? `${b.failureCode}: ${b.message || ""}`
        : b.outcome && b.outcome !== "DONE" ? b.outcome : "")));
    return el("div", { class: "card rig" + (on ? "" : " disconnected"), "data-rig": name, "data-on": String(on) },
      el("div", { class: "rig-title" }, el("h2", { title: name }, name),
        el("span", { class: "pill " + (on ? "on" : "off") }, on ? "connected" : "disconnected"),
        rig.rejectedEvents ? el("span", { class: "pill warn", "data-rejected": rig.rejectedEvents,
          title: "Last: " + (rig.lastRejection || "") }, `${rig.rejectedEvents} event${rig.rejectedEvents === 1 ? "" : "s"} refused`)
          : "",
        clockPill(rig),
        rig.release ? el("span", { class: "pill " + (rig.releaseRetired ? "warn" : "release"), "data-release": rig.release,
          title: rig.releaseRetired ? "This release is retired: the rig flashes nothing until it gets another" : "Release this rig flashes" },
          "release " + rig.release + (rig.releaseRetired ? " (retired)" : "")) : "",
        el("span", { class: "muted" }, [rig.hostname, rig.agentVersion && "agent " + rig.agentVersion, rig.layoutName]
          .filter(Boolean).join(" · "))),
      el("table", { class: "slots" }, el("tr", {}, ...SLOT_COLUMNS.map(([name, text, title]) =>
        el("th", { class: "col-" + name, title: title || "" }, text))), ...rows));
  });
  $("rigs").replaceChildren(...cards);
  if (!cards.length) $("rigs").append(el("p", { class: "muted card" }, "No rig has reported yet."));
}

function progress(b) {
  if (b.state !== "FLASHING") return "";
  const percent = b.percent || 0;
  const bar = el("progress", { max: "100", value: String(percent),
    "aria-label": `flashed ${percent}%` + (b.partition ? ", partition " + b.partition : "") });
  return el("span", { class: "progress", title: `${percent}% of the layout` + (b.partition ? `, writing ${b.partition}` : "") },
    bar, el("span", { class: "percent" }, `${percent}%`), " ", el("span", { class: "muted" }, b.partition || ""));
}

// Boards per hour as stacked bars (done below, failed above) on a y axis of boards and an x axis of UTC hours.
function renderPerHour(hours, period) {
  const chart = $("per-hour");
  const done = hours.reduce((n, h) => n + h.done, 0);
  const failed = hours.reduce((n, h) => n + h.failed, 0);
  chart.setAttribute("aria-label", `Boards per hour over the last ${period} h (UTC): ${done} done, ${failed} failed`
    + " or interrupted");
  const top = niceMax(Math.max(0, ...hours.map((h) => h.done + h.failed)));
  const columns = `repeat(${Math.max(1, hours.length)}, minmax(0, 1fr))`;
  const plot = el("div", { class: "plot" }, ...hours.map((h) => {
    const column = el("div", { class: "column", title: `${utcText(h.hour)}: ${h.done} done, ${h.failed} failed` },
      el("div", { class: "failed" }), el("div", { class: "done" }));
    column.children[0].style.height = (100 * h.failed / top) + "%";
    column.children[1].style.height = (100 * h.done / top) + "%";
    return column;
  }));
  plot.style.gridTemplateColumns = columns;
  // Hour labels on round hours, as far apart as their text needs (about 12 across the chart).
  const every = [1, 2, 3, 4, 6, 12, 24, 48].find((k) => hours.length / k <= 12) || 48;
  const xTicks = el("div", { class: "x-ticks" });
  xTicks.style.gridTemplateColumns = columns;
  hours.forEach((h, i) => {
    const at = new Date(h.hour);
    if (Math.floor(at.getTime() / 3600000) % every !== 0) return;
    const label = el("span", {}, every >= 24 ? utcText(h.hour).slice(5, 10) : utcText(h.hour).slice(11, 16));
    label.style.gridColumn = `${i + 1} / span ${Math.min(every, hours.length - i)}`;
    xTicks.append(label);
  });
  chart.replaceChildren(
    el("div", { class: "y-title" }, "boards / hour"),
    el("div", { class: "y-ticks" }, el("span", {}, String(top)), el("span", {}, String(top / 2)), el("span", {}, "0")),
    plot, xTicks,
    el("figcaption", { class: "x-title" }, "time (UTC), hour starting"),
    el("div", { class: "legend" }, el("span", { class: "key done" }), "done ", el("span", { class: "key failed" }),
      "failed or interrupted"));
}

// The axis' top: an even round number at or above the tallest bar, so that its middle tick is a whole number too.
function niceMax(max) {
  const scale = Math.pow(10, Math.floor(Math.log10(Math.max(1, max))));
  return [2, 4, 6, 8, 10].map((m) => m * scale).find((m) => m >= max);
}

// "2026-12-07 10:07:45 UTC": the same clock for every rig and every viewer.
function utcText(iso) {
  if (!iso) return "";
  return new Date(iso).toISOString().slice(0, 19).replace("T", " ") + " UTC";
}

function secondsText(ms) {
  if (ms == null) return "—";
  if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")} min`;
}

// ---- A board's history: #board/SERIAL opens it; closing it clears the address. ----

const MAC_STATES = {
  ASSIGNED: "assigned, not yet verified in the board's OTP",
  FUSED: "fused: verified in the board's OTP",
  QUARANTINED: "quarantined: kept out of use for an admin to look into",
};
let shownSerial = null;
let historyTimer = null;
let historyRequest = 0;

function historySerial() {
  const match = /^#board\/(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

function followHash() {
  const serial = historySerial();
  if (!serial) return closeHistory();
  if ($("live").hidden) return; // opened once signed in
  openHistory(serial);
}

function leaveHistory() {
  closeHistory();
  if (historySerial()) history.pushState(null, "", location.pathname + location.search);
}

function closeHistory() {
  shownSerial = null;
  clearTimeout(historyTimer);
  const dialog = $("board-history");
  if (dialog.open) dialog.close();
}

async function openHistory(serial) {
  const dialog = $("board-history");
  if (shownSerial !== serial) {
    $("board-history-title").textContent = "Board " + serial;
    $("board-summary").replaceChildren();
    $("board-attempts").replaceChildren(el("p", { class: "muted" }, "Loading…"));
  }
  shownSerial = serial;
  $("board-history-error").textContent = "";
  if (!dialog.open) dialog.showModal();
  const mine = ++historyRequest;
  let board;
  try {
    board = await api("/api/v1/boards/" + encodeURIComponent(serial));
  } catch (e) {
    if (e instanceof AuthError) return showSignIn(e.message);
    if (mine !== historyRequest) return;
    $("board-history-error").textContent = e.message;
    $("board-attempts").replaceChildren();
    return;
  }
  if (mine !== historyRequest || shownSerial !== serial) return;
  renderHistory(board);
}

// A pushed update about the board shown: its history is read again, once for a burst.
function refreshHistorySoon() {
  clearTimeout(historyTimer);
  historyTimer = setTimeout(() => { if (shownSerial) openHistory(shownSerial); }, 500);
}

function fact(term, ...value) {
  return [el("dt", {}, term), el("dd", {}, ...value)];
}

function renderHistory(b) {
  const macState = b.macState ? el("span", { class: "mac-state mac-" + b.macState, "data-mac-state": b.macState },
    MAC_STATES[b.macState] || b.macState.toLowerCase()) : "";
  $("board-summary").replaceChildren(
    ...fact("Serial", el("span", { class: "code" }, b.serial)),
    ...fact("State", b.state ? el("span", { class: "state state-" + b.state }, b.state.replaceAll("_", " ").toLowerCase())
      : "never reported by a rig"),
    ...fact("MAC", b.mac ? el("span", { class: "code" }, b.mac) : "none assigned", b.mac ? " — " : "", macState,
      b.macOrigin && b.macOrigin !== "POOL" ? ` (${b.macOrigin.toLowerCase()}: found in the board's OTP)` : ""),
    ...fact("Seen", b.firstSeen ? `${utcText(b.firstSeen)} to ${utcText(b.lastSeen)}` : "—"));
  const attempts = [...b.attempts].reverse();
  if (!attempts.length) {
    $("board-attempts").replaceChildren(el("p", { class: "muted" }, "No flash attempt recorded."));
    return;
  }
  $("board-attempts").replaceChildren(...attempts.map((a, i) => attemptCard(a, attempts.length - i)));
}

function attemptCard(a, number) {
  const result = a.outcome || a.state;
  const p = a.phases || {};
  // An attempt that ended before the programmer finished: how long it flashed until then.
  const cutShort = p.flashMillis == null && p.waitMillis != null && p.totalMillis != null && a.outcome
    && a.outcome !== "DONE";
  const flash = cutShort ? `${secondsText(p.totalMillis - p.waitMillis)} until it ${a.outcome.toLowerCase()}`
    : secondsText(p.flashMillis);
  const slot = [a.slotLabel && "slot " + a.slotLabel, a.portPath && "port " + a.portPath,
    a.powerUpOrder != null && "order " + a.powerUpOrder].filter(Boolean).join(" · ") || "—";
  const card = el("section", { class: "attempt result-" + result, "data-attempt": a.attemptId },
    el("h4", {}, `#${number} `, el("span", { class: "state state-" + result, "data-outcome": result },
      result.replaceAll("_", " ").toLowerCase()), a.failureCode ? el("span", { class: "code" }, " " + a.failureCode) : "",
      " · started ", utcText(a.startedAt)),
    el("dl", { class: "facts" },
      ...fact("Rig", a.rig || "?"),
      ...fact("Slot", slot),
      ...fact("Release", a.release || "none: the rig's own layout" + (a.layoutName ? " (" + a.layoutName + ")" : "")),
      ...fact("Times", el("span", { class: "phases" },
        `waited ${secondsText(p.waitMillis)} · flash ${flash} · fuse ${secondsText(p.fuseMillis)}`
        + ` · total ${secondsText(p.totalMillis)}`)),
      ...(a.mac ? fact("MAC", el("span", { class: "code" }, a.mac)) : []),
      ...(a.rigClockOff ? fact("Clock", "the rig's clock ran ahead: times are when the server received the events") : [])));
  if (a.message) card.append(el("p", { class: "message" }, a.message));
  const tail = a.programmerOutputTail || [];
  if (tail.length) {
    const details = el("details", {}, el("summary", {}, `Programmer output, last ${tail.length} line${tail.length === 1 ? "" : "s"}`),
      el("pre", { class: "tail" }, tail.join("\n")));
    details.open = result !== "DONE";
    card.append(details);
  }
  return card;
}

async function loadStats() {
  const hours = $("period").value;
  let stats;
  try {
    stats = await api("/api/v1/stats?hours=" + hours);
  } catch (e) {
    if (e instanceof AuthError) showSignIn(e.message);
    return;
  }
  // A figure, as counts are: right-aligned and never cut short.
  const pct = (y) => ({ figure: y == null ? "—" : (100 * y).toFixed(1) + "%" });
  table("yield-rig", ["Rig", "Ended", "Done", "Failed", INTERRUPTED, "Yield"],
    stats.perRig.map((r) => [r.rig, r.ended, r.done, r.failed, r.interrupted, pct(r.yield)]));
  // Worst slots first: a flaky hub port or cable is what this table is for.
  const slots = [...stats.perSlot].sort((a, b) => (a.yield ?? 1) - (b.yield ?? 1) || b.ended - a.ended
    || a.rig.localeCompare(b.rig) || a.slot.localeCompare(b.slot, undefined, { numeric: true }));
  table("yield-slot", ["Rig", "Slot", "Ended", "Failed", "Yield"],
    slots.map((s) => [s.rig, s.slot, s.ended, s.failed + s.interrupted, pct(s.yield)]));
  table("yield-release", ["Release", "Ended", "Done", "Failed", INTERRUPTED, "Yield"],
    // Releases in version order (2026.2 before 2026.10), those without one last.
    [...(stats.perRelease || [])].sort((a, b) => (a.release == null) - (b.release == null)
      || String(a.release).localeCompare(String(b.release), undefined, { numeric: true }))
      .map((r) => [r.release || "(none)", r.ended, r.done, r.failed, r.interrupted, pct(r.yield)]));
  table("top-failures", ["Code", "Count", "Last message"],
    stats.topFailures.map((f) => [f.code, f.count, f.lastMessage || ""]));
  renderPerHour(stats.boardsPerHour, stats.hours);
  view.pool = stats.pool;
  renderPool();
}

// A header too long for its column: short, with the whole word on hover.
const INTERRUPTED = { text: "Intr.", title: "Interrupted: unplugged before the job ended" };

function table(id, head, rows) {
  $(id).replaceChildren(el("tr", {}, ...head.map((h) => typeof h === "string" ? el("th", {}, h)
    : el("th", { title: h.title }, h.text))),
    ...rows.map((r) => el("tr", {}, ...r.map((c) => c && typeof c === "object"
      ? el("td", { class: "num" }, c.figure)
      : cut("td", { class: typeof c === "number" ? "num" : "" }, String(c))))));
  if (!rows.length) $(id).append(el("tr", {}, el("td", { class: "muted" }, "Nothing in this period.")));
}

$("sign-in-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("token").value = "";
  start();
});
$("sign-out").addEventListener("click", () => showSignIn(""));
$("period").addEventListener("change", loadStats);
$("board-history-close").addEventListener("click", () => leaveHistory());
// Escape closes the dialog itself; the address follows.
$("board-history").addEventListener("close", () => { if (historySerial()) leaveHistory(); });
window.addEventListener("hashchange", followHash);
// Elapsed times and the staleness of rigs move with the clock, not with the server: redraw locally.
setInterval(tick, 1000);

if (token()) start(); else showSignIn("");
