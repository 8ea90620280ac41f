// The picker's screens: a stop (bin, item, quantity, picture, map, what comes next) and the
// message screens between trips (idle, planning, trip done). handheld.js routes these views here.
import { serverText } from "/static/messages.js";
import { showPicture } from "/static/pictures.js";
import { loadMap } from "/static/tripmap.js";

const $ = (id) => document.getElementById(id);
const IDLE_ASK_MS = 60000; // on the idle screen, ask for work again this often

let app = null; // {state, send, online, headers}: the handheld's state (t, idleTimer) and how it talks to the service

/** Keep the handheld's state and its way of sending events. */
export function setup(handle) { app = handle; }

export function renderMessage(v) {
  const { state } = app;
  const t = state.t;
  document.body.dataset.screen = "message";
  const known = { idle: "☕", planning: "🧭", trip_done: "✅" };
  $("message-icon").textContent = known[v.screen] || "ℹ️";
  $("message-title").textContent = known[v.screen] ? t(`${v.screen}.title`) : serverText(v.message, t);
  $("message-text").textContent = known[v.screen] ? t(`${v.screen}.text`) : "";
  $("next").hidden = !(v.screen === "idle" || v.screen === "trip_done");
  // New work is pushed to an idle picker; asking now and then covers a missed push.
  if (v.screen === "idle") state.idleTimer = setTimeout(() => { if (app.online()) app.send({ type: "next" }); }, IDLE_ASK_MS);
}

export function renderStop(v) {
  const t = app.state.t;
  const s = v.stop;
  document.body.dataset.screen = "stop";
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
  loadMap(`${v.trip_id}:${s.n}:${s.bin}`, s.n, { headers: app.headers, online: app.online });
}

/** A GTIN-14 as printed under an EAN-13 / UPC-A barcode (no padding zero). */
function printedGtin(gtin) { return gtin.length === 14 && gtin.startsWith("0") ? gtin.slice(1) : gtin; }
