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
  if (!response.ok) throw new Error(path + " answered " + response.status);
  return response.json();
}

function showSignIn(message) {
  stopStream();
  sessionStorage.removeItem(TOKEN_KEY);
  $("live").hidden = true;
  $("sign-out").hidden = true;
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
    " · board ", el("span", { class: "code" }, a.serial), " — ", a.message)));
}

function renderFailures() {
  const list = $("failures");
  list.replaceChildren(...view.failures.map((f) => el("li", {},
    el("span", { class: "code" }, f.failureCode || ""), " ", f.rig, " · slot ", f.slotLabel || f.portPath || "?",
    " · ", el("span", { class: "code" }, f.serial), " — ", f.message || "")));
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

function elapsed(board) {
  const from = Date.parse(board.startedAt);
  const to = board.endedAt ? Date.parse(board.endedAt) : Date.now() + view.clockSkewMs;
  const s = Math.max(0, Math.round((to - from) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function renderRigs() {
  const names = [...new Set([...view.rigs.keys(), ...view.slots.keys()])].sort();
  const cards = names.map((name) => {
    const rig = view.rigs.get(name) || { name, connected: false };
    const on = connected(rig);
    const boards = [...slotsOf(name).values()].sort((a, b) =>
      String(a.slotLabel || a.portPath || "").localeCompare(String(b.slotLabel || b.portPath || ""), undefined,
        { numeric: true }) || (a.powerUpOrder || 0) - (b.powerUpOrder || 0));
    const rows = boards.map((b) => el("tr", { "data-serial": b.serial },
      el("td", {}, b.slotLabel || b.portPath || "—"),
      el("td", { class: "num" }, b.powerUpOrder ?? ""),
      el("td", { class: "code" }, b.serial),
      el("td", { class: "state state-" + b.state }, b.state.replaceAll("_", " ").toLowerCase()),
      el("td", {}, progress(b)),
      el("td", { class: "code" }, b.mac || ""),
      el("td", { class: "num" }, elapsed(b)),
      el("td", {}, b.failureCode ? `${b.failureCode}: ${b.message || ""}` : (b.outcome || ""))));
    return el("div", { class: "card" + (on ? "" : " disconnected"), "data-rig": name },
      el("div", { class: "rig-title" }, el("h2", {}, name),
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
      el("table", {}, el("tr", {}, ...["Slot", "Order", "Serial", "State", "Progress", "MAC", "Elapsed", "Result"]
        .map((h) => el("th", {}, h))), ...rows));
  });
  $("rigs").replaceChildren(...cards);
  if (!cards.length) $("rigs").append(el("p", { class: "muted card" }, "No rig has reported yet."));
}

function progress(b) {
  if (b.state !== "FLASHING") return "";
  const bar = el("span", { class: "progress" }, el("div", {}));
  bar.firstChild.style.width = (b.percent || 0) + "%";
  return el("span", {}, bar, `${b.percent || 0}% ${b.partition || ""}`);
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
  const pct = (y) => (y == null ? "—" : (100 * y).toFixed(1) + "%");
  table("yield-rig", ["Rig", "Ended", "Done", "Failed", "Interrupted", "Yield"],
    stats.perRig.map((r) => [r.rig, r.ended, r.done, r.failed, r.interrupted, pct(r.yield)]));
  table("yield-slot", ["Rig", "Slot", "Ended", "Failed", "Yield"],
    stats.perSlot.map((s) => [s.rig, s.slot, s.ended, s.failed + s.interrupted, pct(s.yield)]));
  table("yield-release", ["Release", "Ended", "Done", "Failed", "Interrupted", "Yield"],
    (stats.perRelease || []).map((r) => [r.release || "(none)", r.ended, r.done, r.failed, r.interrupted, pct(r.yield)]));
  table("top-failures", ["Code", "Count", "Last message"],
    stats.topFailures.map((f) => [f.code, f.count, f.lastMessage || ""]));
  const max = Math.max(1, ...stats.boardsPerHour.map((h) => h.done + h.failed));
  $("per-hour").replaceChildren(...stats.boardsPerHour.map((h) => {
    const bar = el("div", { class: h.failed > h.done ? "failed" : "", title: `${h.hour}: ${h.done} done, ${h.failed} failed` });
    bar.style.height = (100 * (h.done + h.failed) / max) + "%";
    return bar;
  }));
  view.pool = stats.pool;
  renderPool();
}

function table(id, head, rows) {
  $(id).replaceChildren(el("tr", {}, ...head.map((h) => el("th", {}, h))),
    ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", { class: typeof c === "number" ? "num" : "" }, String(c))))));
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
// Elapsed times and the staleness of rigs move with the clock, not with the server: redraw locally.
setInterval(() => { if (!$("live").hidden) renderRigs(); }, 1000);

if (token()) start(); else showSignIn("");
