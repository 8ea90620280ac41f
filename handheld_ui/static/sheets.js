// The stop's Short sheet (how many are here, and why not all) and the packer's supervisor
// override sheet (a held parcel released by a supervisor's badge and PIN, with a reason).
import { say, serverText } from "/static/messages.js";
import { detailOf, translateDetail } from "/static/login.js";

const $ = (id) => document.getElementById(id);
const SHORT_REASONS = ["bin_empty", "damaged", "not_found", "wrong_item_in_bin"];
const OVERRIDE_REASONS = ["checked_by_hand", "weights_differ", "scale_fault"];

let app = null; // {state, send, refocus, feedback, applyView, headers}: the handheld's state, and how it sends
let shortQty = 0; // how many the picker found, on the Short sheet

/** Keep the handheld's state and its way of sending; wire both sheets' buttons. */
export function setup(handle) {
  app = handle;
  $("act-short").addEventListener("click", () => {
    const v = app.state.view;
    if (v?.screen !== "stop") return;
    shortQty = 0;
    renderShort();
    $("short").hidden = false;
  });
  $("short-minus").addEventListener("click", () => { shortQty -= 1; renderShort(); });
  $("short-plus").addEventListener("click", () => { shortQty += 1; renderShort(); });
  $("short-cancel").addEventListener("click", () => { $("short").hidden = true; app.refocus(); });
  $("override").addEventListener("click", openOverride);
  $("override-cancel").addEventListener("click", () => { $("override-sheet").hidden = true; app.refocus(); });
  $("override-badge").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); $("override-pin").focus(); } });
}

/** A new view: the Short sheet follows its stop, and closes when the stop is gone. */
export function followView(v) {
  if (!$("short").hidden && v.screen === "stop") renderShort();
  else $("short").hidden = true;
}

function renderShort() {
  const { state } = app;
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
      app.send({ type: "confirm", qty: shortQty, reason: reason.replaceAll("_", " ") });
      app.refocus();
    });
    return b;
  }));
}

function openOverride() {
  const { state } = app;
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
}

async function override(orderId, reason) {
  const { state } = app;
  const body = { order_id: orderId, badge: $("override-badge").value.trim(), pin: $("override-pin").value || null, reason };
  if (!body.badge) { app.feedback("bad"); say($("override-problem"), () => state.t("override.need_badge")); return; }
  let response;
  try {
    response = await fetch("/ui/handheld/override", { method: "POST", headers: app.headers(), body: JSON.stringify(body) });
  } catch (e) {
    app.feedback("bad");
    say($("override-problem"), () => state.t("login.offline"));
    return;
  }
  if (!response.ok) {
    app.feedback("bad");
    const detail = await detailOf(response);
    say($("override-problem"), () => (detail.startsWith("badge:") ? state.t("override.not_supervisor") : translateDetail(detail)));
    return;
  }
  const answer = await response.json();
  $("override-sheet").hidden = true;
  state.packKey = `${orderId}:${answer.status}`; // the release is heard here, not again on render
  app.feedback("good");
  app.applyView(answer.view);
  app.refocus();
}
