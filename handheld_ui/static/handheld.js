// The handheld page: keyboard-wedge scans, one screen per step, an offline queue that sends
// every scan exactly once and in order, live views over SSE; it routes each view to its screen's module.
import { feedback } from "/static/feedback.js";
import { LANGUAGES, chooseLanguage, loadStrings, translatePage } from "/static/i18n.js";
import * as login from "/static/login.js";
import { refusal, retranslate } from "/static/messages.js";
import * as packing from "/static/packing.js";
import * as returns from "/static/returns.js";
import { openStream } from "/static/sse.js";
import * as setupScreen from "/static/setupscreen.js";
import * as sheets from "/static/sheets.js";
import * as stock from "/static/stockflows.js";
import * as stopScreen from "/static/stopscreen.js";
import { loadOutbox, outboxKey, queuedEvent, removeAnswered, saveOutbox, wireBody } from "/static/outbox.js";
import { showLightColour } from "/static/lightcolour.js";
import { keepView, keptView, startOffline } from "/static/offline.js";

const $ = (id) => document.getElementById(id);
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
  // An error, or a label that did not print, cannot be scanned past: it waits for a tap.
  const alarm = document.getElementById("label-alarm");
  const holding = !$("error").hidden ? $("error") : alarm && !alarm.hidden ? alarm : null;
  if (holding) {
    feedback("bad");
    holding.animate([{ opacity: 0.4 }, { opacity: 1 }], 250);
    return;
  }
  if (!state.auth) { login.login(code); return; }
  send({ type: "scan", code });
});

// --- talking to the service ----------------------------------------------------------------

function headers() {
  return { "Content-Type": "application/json", Authorization: `Bearer ${state.auth.token}` };
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
        return login.toLogin(await login.detailOf(response));
      }
      state.reachable = true;
      answered(key, event);
      if (response.status === 422) { // malformed: it can never be applied; say so, drop it
        refused({ code: "invalid", text: await login.detailOf(response) }, event);
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
  if (state.auth && key === queueKey()) login.toLogin("");
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

function startStream() {
  if (state.stopStream) state.stopStream();
  state.stopStream = openStream("/ui/handheld/stream", headers(), (name, data) => {
    if (name === "view") applyView(data);
    else if (name === "weight") { state.weight = { ...data, seen: Date.now() }; packing.renderWeight(); }
  }, (streamState) => {
    if (streamState === "unauthorized") return login.toLogin("");
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
    return login.toLogin(state.loggingOut ? "" : state.t("login.replaced"));
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

// --- rendering ---------------------------------------------------------------------------

function setScreen(name) { document.body.dataset.screen = name; }

function render() {
  const t = state.t;
  $("logout").hidden = !state.auth;
  $("who").textContent = state.auth ? state.auth.name : "";
  $("device").textContent = state.device || "";
  renderLink();
  stock.renderMenu(state.auth ? state.view : null);
  if (!state.device) return setupScreen.renderSetup();
  if (!state.auth) { showLightColour(null, t); setScreen("login"); refocus(); return; }
  const v = state.view;
  if (!v) return;
  document.body.dataset.expect = v.expect || "";
  showLightColour(v, t);
  clearTimeout(state.idleTimer);
  if (v.screen === "stop") stopScreen.renderStop(v);
  else if (packing.handles(v.screen)) packing.renderPack(v);
  else if (stock.handles(v.screen)) stock.render(v); // receiving, put-away, top-ups, counts
  else if (returns.handles(v.screen)) returns.render(v); // the returns desk
  else stopScreen.renderMessage(v);
  if (!stock.handles(v.screen)) stock.leave();
  if (!returns.handles(v.screen)) returns.leave();
  sheets.followView(v); // the Short sheet stays with its stop
  refocus();
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

// --- start ------------------------------------------------------------------------------------

stock.setup({ send, t: () => state.t, feedback, refocus, online, queued: () => state.queue.length });
returns.setup({ send, t: () => state.t, refocus });
packing.setup({ state, feedback, refused });
stopScreen.setup({ state, send, online, headers });
sheets.setup({ state, send, refocus, feedback, applyView, headers });
setupScreen.setup({ state, render });
login.setup({ state, authKey, feedback, refocus, loadQueue, useLanguage, applyView, startStream, flush, render });

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
