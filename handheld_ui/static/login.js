// The login screen: a badge scan (and a PIN where the person has one), the lock-out after too
// many tries with its countdown, the language choice, and the way back to it when a session ends.
import { chooseLanguage } from "/static/i18n.js";
import { say, serverText } from "/static/messages.js";
import { sessionEndedKey } from "/static/outbox.js";
import { keepView } from "/static/offline.js";

const $ = (id) => document.getElementById(id);
const POST_TIMEOUT_MS = 8000;

// {state, authKey, feedback, refocus, loadQueue, useLanguage, applyView, startStream, flush, render}:
// the handheld's state and what starts a session once the service lets the person in.
let app = null;

/** Keep the handheld's state and session starters; wire the PIN box and the language choice. */
export function setup(handle) {
  app = handle;
  $("pin-ok").addEventListener("click", () => login(app.state.pendingBadge, $("pin").value));
  $("pin").addEventListener("keydown", (e) => { if (e.key === "Enter") login(app.state.pendingBadge, $("pin").value); });
  $("lang").addEventListener("change", (e) => {
    localStorage.setItem("edge.lang", e.target.value);
    app.useLanguage(e.target.value);
  });
}

/** The service's reason for a refused request, as it said it. */
export async function detailOf(response) {
  try { return (await response.json()).detail || `HTTP ${response.status}`; } catch { return `HTTP ${response.status}`; }
}

/** The service's words in the person's language; an ended session says why in plain words. */
export function translateDetail(detail) {
  if (sessionEndedKey(detail)) return app.state.t(sessionEndedKey(detail));
  return serverText(detail, app.state.t);
}

export async function login(badge, pin) {
  const { state } = app;
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
    app.feedback("bad");
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
    app.feedback("bad");
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
  localStorage.setItem(app.authKey(), JSON.stringify(who));
  app.feedback("good");
  app.loadQueue();
  await app.useLanguage(chooseLanguage(who.lang));
  app.applyView(view);
  app.startStream();
  app.flush();
}

/** Too many failed logins: the badge or the device waits; say which, and for how long. */
function lockedOut(detail, retryAfter) {
  const { state } = app;
  app.feedback("bad");
  state.pendingBadge = null;
  $("pin").value = "";
  $("pin-box").hidden = true;
  app.refocus();
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

/** The session is over (logged out, replaced, expired): back to the login screen. */
export function toLogin(problem) {
  const { state } = app;
  if (state.stopStream) state.stopStream();
  state.stopStream = null;
  state.auth = null;
  state.queue = []; // the person's outbox stays stored for their next login on this device
  state.view = null;
  keepView(state.device, null);
  state.version = -1;
  localStorage.removeItem(app.authKey());
  say($("login-problem"), () => (problem ? translateDetail(problem) : ""));
  app.render();
}
