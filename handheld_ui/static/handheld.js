// The handheld page: keyboard-wedge scans, one screen per step, an offline queue that sends
// every scan exactly once and in order, live views over SSE, sound and vibration.
import { LANGUAGES, chooseLanguage, loadStrings, translatePage } from "/static/i18n.js";
import { refusal, retranslate, say, serverText } from "/static/messages.js";
import { packItems, showPicture } from "/static/pictures.js";
import { openStream } from "/static/sse.js";
import * as stock from "/static/stockflows.js";
import { loadOutbox, outboxKey, queuedEvent, removeAnswered, saveOutbox, sessionEndedKey, wireBody } from "/static/outbox.js";
import { showLightColour } from "/static/lightcolour.js";
import { keepView, keptView, startOffline } from "/static/offline.js";
import { loadMap } from "/static/tripmap.js";

const $ = (id) => document.getElementById(id);
const IDLE_ASK_MS = 60000; // on the idle screen, ask for work again this often
const POST_TIMEOUT_MS = 8000;

const state = {
  device: new URLSearchParams(location.search).get("device") || localStorage.getItem("edge.device"),
  auth: null, // {token, badge, name, role, lang, device, station}
  view: null,
  version: -1, // the commit number of the newest view shown (views come two ways)
  views: 0, // views shown so far
  queue: [],
  sending: false,
  reachable: true, // the last request got an answer
  streamUp: false,
  stopStream: null,
  retryTimer: null,
  idleTimer: null,
  weight: null,
  packKey: "",
  pendingBadge: null,
  loggingOut: false, // this page sent a logout: the login screen that follows is no surprise
  refusals: [],
  lockTimer: null,
  t: (key) => key,
  lang: "en",
};
window.edgeHandheld = state; // for a curious engineer's console

// --- storage: the login survives a reload; the queue survives a crash or a flat battery ----

const authKey = () => `edge.auth.${state.device}`;
const queueKey = () => outboxKey(state.device, state.auth?.badge);
function saveQueue() { saveOutbox(queueKey(), state.queue); }
function loadQueue() { state.queue = loadOutbox(queueKey()); }

// --- feedback: a good and a bad sound, vibration -------------------------------------------

let audio = null;
function tone(freqs, seconds, type, gain = 0.25) {
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
    let at = audio.currentTime;
    for (const f of freqs) {
      const osc = audio.createOscillator();
      const vol = audio.createGain();
      osc.type = type;
      osc.frequency.value = f;
      vol.gain.setValueAtTime(gain, at);
      vol.gain.exponentialRampToValueAtTime(0.001, at + seconds);
      osc.connect(vol).connect(audio.destination);
      osc.start(at);
      osc.stop(at + seconds);
      at += seconds * 0.9;
    }
  } catch (e) { /* no audio device: vibration and colour still tell */ }
}
function feedback(kind) {
  if (kind === "good") { tone([988, 1319], 0.08, "sine"); navigator.vibrate?.(40); }
  else if (kind === "bad") { tone([196, 147, 196], 0.22, "square", 0.3); navigator.vibrate?.([250, 100, 250]); }
  else if (kind === "queued") { tone([660], 0.09, "triangle"); navigator.vibrate?.(30); }
  document.body.dataset.feedback = kind;
  (window.edgeFeedback = window.edgeFeedback || []).push(kind);
}

// --- language -----------------------------------------------------------------------------

async function useLanguage(lang) {
  const strings = await loadStrings("handheld", lang);
  state.t = strings.t;
  state.lang = strings.lang;
  document.documentElement.lang = strings.lang;
  translatePage(document, state.t);
  retranslate(); // the service's words on screen, in the new language
  renderError();
  const select = $("lang");
  select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => new Option(name, code, false, code === strings.lang)));
  render();
}

// --- the scan field keeps focus ----------------------------------------------------------------

function sheetOpen() {
  return !$("short").hidden || !$("override-sheet").hidden || !$("pin-box").hidden || stock.sheetOpen();
}
function refocus() {
  if (sheetOpen() || document.body.dataset.screen === "setup") return;
  const scan = $("scan");
  if (document.activeElement !== scan) scan.focus({ preventScroll: true });
}
document.addEventListener("click", () => setTimeout(refocus, 0));
$("scan").addEventListener("blur", () => setTimeout(refocus, 50));
$("keyboard").addEventListener("click", () => {
  const scan = $("scan");
  scan.inputMode = scan.inputMode === "none" ? "text" : "none";
  scan.blur();
  setTimeout(() => scan.focus(), 30);
});

$("scan-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const code = $("scan").value.trim();
  $("scan").value = "";
  if (!code) return;
  if (!$("error").hidden) { // an error cannot be scanned past: it waits for a tap on OK
    feedback("bad");
    $("error").animate([{ opacity: 0.4 }, { opacity: 1 }], 250);
    return;
  }
  if (!state.auth) { login(code); return; }
  send({ type: "scan", code });
});

// --- talking to the service ----------------------------------------------------------------

function headers() {
  return { "Content-Type": "application/json", Authorization: `Bearer ${state.auth.token}` };
}

async function detailOf(response) {
  try { return (await response.json()).detail || `HTTP ${response.status}`; } catch { return `HTTP ${response.status}`; }
}

/** Queue an event and send what is queued, in order. */
function send(event) {
  const queued = queuedEvent(event, !online());
  state.queue.push(queued);
  saveQueue();
  if (queued.offline) feedback("queued");
  renderLink();
  flush();
}

function online() { return state.reachable && navigator.onLine; }

/** Send queued events one at a time, oldest first; stop at the first that gets no answer. */
async function flush() {
  if (state.sending || !state.auth) return;
  state.sending = true;
  clearTimeout(state.retryTimer);
  try {
    while (state.queue.length && state.auth) {
      const event = state.queue[0];
      const key = queueKey(); // the outbox it waits in, whoever is on screen when it is answered
      if (!navigator.onLine) return noAnswer(event); // no network at all: the "online" event sends it
      let response;
      try {
        response = await fetch("/ui/handheld/events", {
          method: "POST", headers: headers(), body: JSON.stringify(wireBody(event)), signal: AbortSignal.timeout(POST_TIMEOUT_MS),
        });
      } catch (e) {
        return noAnswer(event);
      }
      if (response.status >= 500) return noAnswer(event);
      if (event.type === "logout" && response.status !== 422) return loggedOut(key, event);
      if (response.status === 401 || response.status === 409) {
        // Logged out meanwhile: the queue waits for this person to log in again.
        return toLogin(await detailOf(response));
      }
      state.reachable = true;
      answered(key, event);
      if (response.status === 422) { // malformed: it can never be applied; say so, drop it
        refused({ code: "invalid", text: await detailOf(response) }, event);
        continue;
      }
      const answer = await response.json();
      if (answer.outcome === "refused") refused(answer.error, event);
      else if (!event.offline && event.type === "scan") feedback("good");
      applyView(answer.view);
      // Scan to screen: from the Enter key to the new screen in the DOM (bench/handheld_latency.py).
      if (!event.offline && event.t0) (window.edgeLatency = window.edgeLatency || []).push(performance.now() - event.t0);
    }
  } finally {
    state.sending = false;
    renderLink();
  }
}

/** Out of the outbox, in memory and in storage (the screen may show someone else by now). */
function answered(key, event) {
  removeAnswered(key, event.id);
  if (key === queueKey()) state.queue = state.queue.filter((e) => e.id !== event.id);
}

/** A logout is answered once and done: applied, a duplicate, or the session had already
 * ended (401/409). It is never sent again, and the login screen follows without a problem. */
function loggedOut(key, event) {
  answered(key, event);
  state.loggingOut = false;
  if (state.auth && key === queueKey()) toLogin("");
}

function noAnswer(event) {
  state.reachable = false;
  if (!event.offline) { // it was sent as online: it is queued now, and the picker hears that
    event.offline = true;
    saveQueue();
    feedback("queued");
  }
  state.retryTimer = setTimeout(flush, 1500);
}

window.addEventListener("online", () => { state.reachable = true; flush(); });
window.addEventListener("offline", () => { state.reachable = false; renderLink(); });

async function login(badge, pin) {
  clearInterval(state.lockTimer);
  say($("login-problem"), () => "");
  $("login-problem").title = "";
  let response;
  try {
    response = await fetch("/ui/handheld/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ device: state.device, badge, pin: pin || null }),
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
  } catch (e) {
    feedback("bad");
    say($("login-problem"), () => state.t("login.offline"));
    return;
  }
  if (!response.ok) {
    const detail = await detailOf(response);
    if (response.status === 429) return lockedOut(detail, response.headers.get("Retry-After"));
    if (response.status === 401 && detail.startsWith("pin:") && !pin) {
      state.pendingBadge = badge;
      $("pin-box").hidden = false;
      $("pin").focus();
      return;
    }
    feedback("bad");
    say($("login-problem"), () => translateDetail(detail));
    return;
  }
  const auth = await response.json();
  const { view, ...who } = auth;
  state.auth = who;
  state.pendingBadge = null;
  state.loggingOut = false;
  $("pin-box").hidden = true;
  $("pin").value = "";
  localStorage.setItem(authKey(), JSON.stringify(who));
  feedback("good");
  loadQueue();
  await useLanguage(chooseLanguage(who.lang));
  applyView(view);
  startStream();
  flush();
}

/** Too many failed logins: the badge or the device waits; say which, and for how long. */
function lockedOut(detail, retryAfter) {
  feedback("bad");
  state.pendingBadge = null;
  $("pin").value = "";
  $("pin-box").hidden = true;
  refocus();
  const wait = Number.parseInt(retryAfter, 10) || Number.parseInt((detail.match(/(\d+) s\b/) || [])[1], 10) || 0;
  // "badge: P-1006 is locked …" or "pin: wrong PIN; device handheld-2 is locked for 30 s"
  const locked = ((detail.match(/([^:;]+?) is locked/) || [])[1] || "").trim();
  const what = locked && !locked.startsWith("device ") ? locked : null; // null: this handheld
  const until = Date.now() + wait * 1000;
  clearInterval(state.lockTimer);
  const show = () => {
    const s = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    say($("login-problem"), () => state.t(what ? "login.locked_what" : "login.locked", { what, s }));
    if (!s) clearInterval(state.lockTimer);
  };
  show();
  state.lockTimer = setInterval(show, 1000);
  $("login-problem").title = detail; // the service's own words, for the engineer
}

function translateDetail(detail) {
  if (sessionEndedKey(detail)) return state.t(sessionEndedKey(detail));
  return serverText(detail, state.t);
}

$("pin-ok").addEventListener("click", () => login(state.pendingBadge, $("pin").value));
$("pin").addEventListener("keydown", (e) => { if (e.key === "Enter") login(state.pendingBadge, $("pin").value); });

function toLogin(problem) {
  if (state.stopStream) state.stopStream();
  state.stopStream = null;
  state.auth = null;
  state.queue = []; // the person's outbox stays stored for their next login on this device
  state.view = null;
  keepView(state.device, null);
  state.version = -1;
  localStorage.removeItem(authKey());
  say($("login-problem"), () => (problem ? translateDetail(problem) : ""));
  render();
}

function startStream() {
  if (state.stopStream) state.stopStream();
  state.stopStream = openStream("/ui/handheld/stream", headers(), (name, data) => {
    if (name === "view") applyView(data);
    else if (name === "weight") { state.weight = { ...data, seen: Date.now() }; renderWeight(); }
  }, (streamState) => {
    if (streamState === "unauthorized") return toLogin("");
    state.streamUp = streamState === "open";
    // A new stream starts with the current view; after a restart the numbers start again.
    if (state.streamUp) state.version = -1;
    if (state.streamUp) { state.reachable = true; flush(); }
    renderLink();
  });
}

function applyView(view) {
  if (!view) return;
  if (view.v < state.version) return; // an older view arriving late
  state.version = view.v;
  state.views += 1;
  if (state.auth && (view.screen === "login" || (view.badge && view.badge !== state.auth.badge))) {
    return toLogin(state.loggingOut ? "" : state.t("login.replaced"));
  }
  state.view = view;
  keepView(state.device, view);
  render();
}

// --- errors: they fill the screen and hold every scan until acknowledged -----------------------

function refused(error, event) {
  state.refusals.push({ error: error || {}, event });
  feedback("bad");
  renderError();
}

function renderError() {
  const first = state.refusals[0];
  if (!first) { $("error").hidden = true; return; }
  const { error, event } = first;
  const t = state.t;
  const said = refusal(error, t);
  $("error-title").textContent = said.title;
  const facts = [];
  const details = error.details || {};
  if (details.expected) facts.push([t("error.expected"), details.expected]);
  facts.push([t("error.scanned"), details.scanned || event.code || t(`event.${event.type}`)]);
  $("error-facts").replaceChildren(...facts.flatMap(([k, v]) => {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    return [dt, dd];
  }));
  const more = state.refusals.length - 1;
  $("error-text").textContent = said.text +
    (more > 0 ? ` ${t("error.more", { n: more })}` : "");
  $("error").hidden = false;
  document.body.dataset.error = error.code || "refused";
}

$("error-ok").addEventListener("click", (e) => {
  if (e.detail === 0) return; // Enter from the scanner is not a person acknowledging it
  state.refusals.shift();
  if (!state.refusals.length) delete document.body.dataset.error;
  renderError();
  refocus();
});

// --- actions ----------------------------------------------------------------------------------

$("act-confirm").addEventListener("click", () => {
  const v = state.view;
  if (v?.screen === "stop" && v.expect === "qty") send({ type: "confirm", qty: v.stop.qty, reason: "" });
});
$("act-skip").addEventListener("click", () => send({ type: "skip" }));
$("next").addEventListener("click", () => send({ type: "next" }));
$("logout").addEventListener("click", () => {
  if (state.queue.length) { feedback("bad"); renderLink(); return; } // send the queue first
  state.loggingOut = true;
  send({ type: "logout" });
});

const SHORT_REASONS = ["bin_empty", "damaged", "not_found", "wrong_item_in_bin"];
let shortQty = 0;
$("act-short").addEventListener("click", () => {
  const v = state.view;
  if (v?.screen !== "stop") return;
  shortQty = 0;
  renderShort();
  $("short").hidden = false;
});
function renderShort() {
  const v = state.view;
  const max = v.expect === "qty" ? v.stop.qty - 1 : 0; // before any item scan: only "none here"
  shortQty = Math.max(0, Math.min(shortQty, max));
  $("short-qty").textContent = shortQty;
  $("short-minus").disabled = shortQty <= 0;
  $("short-plus").disabled = shortQty >= max;
  $("short-need").textContent = state.t("short.need", { qty: v.stop.qty, bin: v.stop.bin });
  $("short-reasons").replaceChildren(...SHORT_REASONS.map((reason) => {
    const b = document.createElement("button");
    b.className = "secondary";
    b.textContent = state.t(`short.${reason}`);
    b.dataset.reason = reason;
    b.addEventListener("click", () => {
      $("short").hidden = true;
      // The record keeps one language: the reason's English words, whatever the screen shows.
      send({ type: "confirm", qty: shortQty, reason: reason.replaceAll("_", " ") });
      refocus();
    });
    return b;
  }));
}
$("short-minus").addEventListener("click", () => { shortQty -= 1; renderShort(); });
$("short-plus").addEventListener("click", () => { shortQty += 1; renderShort(); });
$("short-cancel").addEventListener("click", () => { $("short").hidden = true; refocus(); });

const OVERRIDE_REASONS = ["checked_by_hand", "weights_differ", "scale_fault"];
$("override").addEventListener("click", () => {
  const last = state.view?.last;
  if (!last) return;
  say($("override-order"), () => state.t("override.order", { order: last.order_id, reason: serverText(last.hold_reason, state.t) }));
  say($("override-problem"), () => "");
  $("override-badge").value = "";
  $("override-pin").value = "";
  $("override-reasons").replaceChildren(...OVERRIDE_REASONS.map((reason) => {
    const b = document.createElement("button");
    b.className = "secondary";
    b.textContent = state.t(`override.${reason}`);
    b.dataset.reason = reason;
    b.addEventListener("click", () => override(last.order_id, reason.replaceAll("_", " ")));
    return b;
  }));
  $("override-sheet").hidden = false;
  $("override-badge").focus();
});
$("override-cancel").addEventListener("click", () => { $("override-sheet").hidden = true; refocus(); });
$("override-badge").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); $("override-pin").focus(); } });

async function override(orderId, reason) {
  const body = { order_id: orderId, badge: $("override-badge").value.trim(), pin: $("override-pin").value || null, reason };
  if (!body.badge) { feedback("bad"); say($("override-problem"), () => state.t("override.need_badge")); return; }
  let response;
  try {
    response = await fetch("/ui/handheld/override", { method: "POST", headers: headers(), body: JSON.stringify(body) });
  } catch (e) {
    feedback("bad");
    say($("override-problem"), () => state.t("login.offline"));
    return;
  }
  if (!response.ok) {
    feedback("bad");
    const detail = await detailOf(response);
    say($("override-problem"), () => (detail.startsWith("badge:") ? state.t("override.not_supervisor") : translateDetail(detail)));
    return;
  }
  const answer = await response.json();
  $("override-sheet").hidden = true;
  state.packKey = `${orderId}:${answer.status}`; // the release is heard here, not again on render
  feedback("good");
  applyView(answer.view);
  refocus();
}

// --- rendering ---------------------------------------------------------------------------

function setScreen(name) { document.body.dataset.screen = name; }

function render() {
  const t = state.t;
  $("logout").hidden = !state.auth;
  $("who").textContent = state.auth ? state.auth.name : "";
  $("device").textContent = state.device || "";
  renderLink();
  stock.renderMenu(state.auth ? state.view : null);
  if (!state.device) return renderSetup();
  if (!state.auth) { showLightColour(null, t); setScreen("login"); refocus(); return; }
  const v = state.view;
  if (!v) return;
  document.body.dataset.expect = v.expect || "";
  showLightColour(v, t);
  clearTimeout(state.idleTimer);
  if (v.screen === "stop") renderStop(v);
  else if (v.screen === "pack_order" || v.screen === "pack_weigh") renderPack(v);
  else if (stock.handles(v.screen)) stock.render(v); // receiving, put-away, top-ups, counts
  else renderMessage(v);
  if (!stock.handles(v.screen)) stock.leave();
  if (!$("short").hidden && v.screen === "stop") renderShort();
  else $("short").hidden = true;
  refocus();
}

function renderMessage(v) {
  const t = state.t;
  setScreen("message");
  const known = { idle: "☕", planning: "🧭", trip_done: "✅" };
  $("message-icon").textContent = known[v.screen] || "ℹ️";
  $("message-title").textContent = known[v.screen] ? t(`${v.screen}.title`) : serverText(v.message, t);
  $("message-text").textContent = known[v.screen] ? t(`${v.screen}.text`) : "";
  $("next").hidden = !(v.screen === "idle" || v.screen === "trip_done");
  // New work is pushed to an idle picker; asking now and then covers a missed push.
  if (v.screen === "idle") state.idleTimer = setTimeout(() => { if (online()) send({ type: "next" }); }, IDLE_ASK_MS);
}

function renderStop(v) {
  const t = state.t;
  const s = v.stop;
  setScreen("stop");
  $("stop-count").textContent = t("stop.count", { n: s.n, of: s.of });
  $("stop-tote").textContent = t("stop.tote", { tote: s.tote ?? "–" });
  $("stop-lit").hidden = !s.lit;
  $("stop-bin").textContent = s.bin;
  $("stop-prompt").textContent = t(`stop.prompt_${v.expect}`, { bin: s.bin, qty: s.qty, picked: s.picked, total: s.qty_total });
  $("stop-name").textContent = s.name;
  $("stop-sku").textContent = s.sku;
  // The digits under the barcode: a damaged label is typed from here (or its SKU above).
  $("stop-gtin").textContent = (s.gtins || []).map(printedGtin).join(" · ");
  $("stop-qty").textContent = s.qty;
  $("stop-progress").textContent = s.picked ? t("stop.progress", { picked: s.picked, total: s.qty_total }) : "";
  showPicture($("stop-picture"), s);
  const next = (v.upcoming || [])[0];
  $("stop-next").textContent = next ? t("stop.next", { bin: next.bin, name: next.name, qty: next.qty }) : t("stop.last");
  $("act-confirm").hidden = v.expect !== "qty";
  $("act-confirm").textContent = t("actions.confirm", { qty: s.qty });
  $("act-short").hidden = v.expect === "bin";
  $("act-skip").hidden = !v.can_skip;
  loadMap(`${v.trip_id}:${s.n}:${s.bin}`, s.n, { headers, online });
}

/** A GTIN-14 as printed under an EAN-13 / UPC-A barcode (no padding zero). */
function printedGtin(gtin) { return gtin.length === 14 && gtin.startsWith("0") ? gtin.slice(1) : gtin; }

function renderPack(v) {
  const t = state.t;
  setScreen("pack");
  const last = v.last;
  const result = $("pack-result");
  result.hidden = !last || v.screen === "pack_weigh" || !["ready_to_ship", "on_hold"].includes(last.status);
  if (last && !result.hidden) {
    const pass = last.status === "ready_to_ship";
    result.className = `result ${pass ? "pass" : "hold"}`;
    $("pack-result-title").textContent = t(pass ? "pack.pass" : "pack.hold", { order: last.order_id });
    const weighed = (last.parcels || []).filter((p) => p.measured_g != null)
      .map((p) => t("pack.measured", { n: p.n, measured: p.measured_g, expected: p.expected_g, tolerance: p.tolerance_g })).join(" · ");
    // The weights in the packer's language; the stored reason only when there are none.
    $("pack-result-text").textContent = weighed || serverText(last.hold_reason, t);
    $("override").hidden = pass;
    const key = `${last.order_id}:${last.status}`;
    if (state.packKey && key !== state.packKey) feedback(pass ? "good" : "bad");
    state.packKey = key;
  } else if (last) {
    state.packKey = `${last.order_id}:${last.status}`;
  }
  if (v.screen === "pack_weigh") {
    $("pack-title").textContent = t("pack.weigh_title", { order: v.order_id });
    $("pack-prompt").textContent = t("pack.weigh_prompt");
    $("weigh").hidden = false;
    $("pack-queue").replaceChildren();
    $("parcels").replaceChildren(...v.parcels.map((p) => {
      const el = document.createElement("div");
      el.className = `parcel ${p.state}`;
      el.innerHTML = `<span class="box"></span><b></b><span></span>`;
      el.children[0].textContent = p.box;
      el.children[1].textContent = t("pack.parcel", { n: p.n, box: p.box });
      el.children[2].textContent = t("pack.expected", { expected: p.expected_g, tolerance: p.tolerance_g });
      return el;
    }));
    $("pack-items").replaceChildren(...packItems(v.items || []));
    renderWeight();
  } else {
    $("weigh").hidden = true;
    $("pack-title").textContent = t("pack.scan_title");
    $("pack-prompt").textContent = v.queue.length ? t("pack.queue") : t("pack.queue_empty");
    $("pack-queue").replaceChildren(...v.queue.map((q) => {
      const li = document.createElement("li");
      li.textContent = q.code;
      return li;
    }));
  }
}

function renderWeight() {
  const v = state.view;
  if (!v || v.screen !== "pack_weigh") return;
  const t = state.t;
  const el = $("weight-now");
  const reading = state.weight;
  const parcel = v.parcels.find((p) => p.state === "waiting");
  if (!reading || Date.now() - reading.seen > 30000) {
    el.textContent = "— g";
    el.className = "weight-now";
    $("weight-state").textContent = t("pack.put_on_scale");
    return;
  }
  el.textContent = `${reading.grams} g`;
  const inside = parcel && Math.abs(reading.grams - parcel.expected_g) <= parcel.tolerance_g;
  el.className = `weight-now ${!reading.stable ? "settling" : inside ? "in" : "out"}`;
  $("weight-state").textContent = !reading.stable ? t("pack.settling") : parcel
    ? t(inside ? "pack.within" : "pack.outside", { expected: parcel.expected_g, tolerance: parcel.tolerance_g })
    : t("pack.stable");
}

function renderLink() {
  const link = $("link");
  const n = state.queue.length;
  const up = online() && (state.streamUp || !state.auth);
  link.className = up && !n ? "link-ok" : "link-down";
  link.textContent = up ? (n ? state.t("link.sending", { n }) : state.t("link.online")) : state.t("link.offline", { n });
  const box = $("queued");
  box.hidden = !n;
  if (n) {
    const title = document.createElement("div");
    title.textContent = state.t("link.queued_title", { n });
    const list = document.createElement("ol");
    list.replaceChildren(...state.queue.map((e) => {
      const li = document.createElement("li");
      li.textContent = e.code || state.t(`event.${e.type}`);
      return li;
    }));
    box.replaceChildren(title, list);
  }
}

async function renderSetup() {
  setScreen("setup");
  let scanners = [];
  try { scanners = (await (await fetch("/ui/handheld/devices")).json()).scanners; } catch (e) { return; }
  // Only the handhelds that are this page (transport http); an MQTT scanner is a device of its
  // own, and a page claiming its id would fight it. A site without any offers them all.
  if (scanners.some((d) => d.transport === "http")) scanners = scanners.filter((d) => d.transport === "http");
  $("device-list").replaceChildren(...scanners.map((d) => {
    const b = document.createElement("button");
    b.className = d.transport === "http" ? "primary" : "secondary";
    b.textContent = d.id;
    const small = document.createElement("small");
    small.textContent = d.station ? state.t("setup.station", { station: d.station }) : state.t("setup.picking");
    b.append(small);
    b.addEventListener("click", () => {
      state.device = d.id;
      localStorage.setItem("edge.device", d.id);
      render();
    });
    return b;
  }));
}

$("change-device").addEventListener("click", () => {
  localStorage.removeItem("edge.device");
  state.device = null;
  render();
});
$("lang").addEventListener("change", (e) => {
  localStorage.setItem("edge.lang", e.target.value);
  useLanguage(e.target.value);
});
document.addEventListener("keydown", () => { if (audio && audio.state === "suspended") audio.resume(); }, { capture: true });
setInterval(() => { if (state.view?.screen === "pack_weigh") renderWeight(); }, 5000);

// --- start ------------------------------------------------------------------------------------

stock.setup({ send, t: () => state.t, feedback, refocus, online, queued: () => state.queue.length });

async function start() {
  if (state.device) localStorage.setItem("edge.device", state.device);
  const saved = state.device && localStorage.getItem(authKey());
  state.auth = saved ? JSON.parse(saved) : null;
  await useLanguage(chooseLanguage(state.auth?.lang));
  if (state.auth) {
    loadQueue();
    state.view = keptView(state.device, state.auth.badge); // until the stream sends the current one
    startStream(); // the first event is the current view; a stale token lands on the login
    flush();
  }
  render();
}
start();
startOffline();
