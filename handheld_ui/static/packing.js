// The packer's screens: the order queue; each parcel with what belongs in it; the items the
// scale cannot see missing, scanned into the box; the live weight; the pass or hold that
// follows, with the difference in grams and what to do next. handheld.js routes pack views here.
import { serverText } from "/static/messages.js";
import { showPicture } from "/static/pictures.js";
import * as packlabel from "/static/packlabel.js";

const $ = (id) => document.getElementById(id);
const READING_FRESH_MS = 30000; // an older scale reading is not shown as the weight now
const SCREENS = ["pack_order", "pack_contents", "pack_weigh"];

// Built once, beside the page's own packing elements.
const MARKUP = {
  // what is still to be scanned into the parcel, above the parcels
  missing: `<ul id="pack-missing" class="pack-missing" hidden></ul>`,
  // a held parcel: what the packer does next
  next: `<p id="pack-next" class="pack-next" hidden></p>`,
};

let app = null; // {state, feedback, refused}: the handheld's state (view, weight, packKey, t), its sounds, its error screen
let errorShown = -1; // the view version whose refusal is on the error screen already

/** Keep the handheld's state, sounds and error screen; refresh the weight now and then. */
export function setup(handle) {
  app = handle;
  $("weigh").insertAdjacentHTML("beforebegin", MARKUP.missing);
  $("override").insertAdjacentHTML("beforebegin", MARKUP.next);
  setInterval(() => { if (app.state.view?.screen === "pack_weigh") renderWeight(); }, 5000);
}

/** Whether this module draws the view. */
export function handles(screen) { return SCREENS.includes(screen); }

// A DOM element: el("div", "class", child, "text", …); null and false children are left out.
function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return e;
}

/** Grams with their sign: +35, -400, ±0. */
function signed(grams) { return grams > 0 ? `+${grams}` : grams < 0 ? `-${-grams}` : "±0"; }

export function renderPack(v) {
  const { state } = app;
  const t = state.t;
  document.body.dataset.screen = "pack";
  packlabel.render(v, app); // the label just made: preview, print result, Reprint
  renderResult(v);
  const open = v.screen === "pack_weigh" || v.screen === "pack_contents";
  $("weigh").hidden = !open;
  $("pack-missing").hidden = v.screen !== "pack_contents";
  if (!open) {
    $("pack-title").textContent = t("pack.scan_title");
    $("pack-prompt").textContent = v.queue.length ? t("pack.queue") : t("pack.queue_empty");
    $("pack-queue").replaceChildren(...v.queue.map((q) => el("li", "", q.code)));
    return;
  }
  $("pack-queue").replaceChildren();
  const current = v.parcels.find((p) => p.state === "waiting") || v.parcels[v.parcels.length - 1];
  if (v.screen === "pack_contents") {
    $("pack-title").textContent = t("pack.contents_title", { order: v.order_id, n: current.n, of: current.of });
    $("pack-prompt").textContent = t("pack.contents_prompt", v.progress);
    $("pack-missing").replaceChildren(...v.missing.map((m) => {
      const li = el("li", "", el("b", "", `${m.qty} ×`), el("span", "", m.name), el("small", "", m.sku));
      li.dataset.sku = m.sku;
      return li;
    }));
  } else {
    $("pack-title").textContent = t("pack.weigh_title", { order: v.order_id });
    $("pack-prompt").textContent = t("pack.weigh_prompt");
  }
  document.querySelector("#weigh .weight-live").hidden = v.screen === "pack_contents";
  $("parcels").replaceChildren(...v.parcels.map((p) => parcelCard(p, p === current)));
  $("pack-items").replaceChildren(...(current.contents || []).map(contentLine));
  if (v.screen === "pack_contents") showRefusedWeight(v);
  renderWeight();
}

/** One parcel: its box, n of m, the weight it should have; the others say what is in them. */
function parcelCard(p, current) {
  const t = app.state.t;
  const card = el("div", `parcel ${p.state}${current ? " current" : ""}`,
    el("span", "box", p.box),
    el("b", "", t("pack.parcel_of", { n: p.n, of: p.of, box: p.box })),
    el("span", "", t("pack.expected", { expected: p.expected_g, tolerance: p.tolerance_g })));
  card.dataset.n = p.n;
  if (!current) card.append(el("small", "parcel-contents", (p.contents || []).map((c) => `${c.qty} × ${c.name}`).join(", ")));
  return card;
}

/** An item of the parcel being packed: picture, quantity, name, SKU, and its scans. */
function contentLine(c) {
  const t = app.state.t;
  const box = el("div", "picture");
  box.setAttribute("aria-hidden", "true");
  showPicture(box, c);
  const done = c.must_scan > 0 && c.scanned >= c.must_scan;
  const scans = c.must_scan > 0 || c.scanned > 0
    ? el("span", `scans ${done ? "done" : "todo"}`, t(done ? "pack.scan_done" : "pack.scan_state", { scanned: c.scanned, need: c.must_scan || c.qty }))
    : null;
  const li = el("li", c.must_scan > 0 ? "must" : "", box, el("b", "", `${c.qty} ×`),
    el("span", "", c.name, el("small", "", c.sku)), scans);
  li.dataset.sku = c.sku;
  return li;
}

/** A weight the service refused until the scans are done: the blocking error, once. */
function showRefusedWeight(v) {
  const state = app.state;
  if (v.error_code !== "contents_first" || v.v === errorShown || !state.streamUp) return;
  errorShown = v.v;
  app.refused({ code: v.error_code, text: v.error, details: v.error_details || {} }, { type: "weight" });
}

/** The last order's pass or hold; a hold says by how much and what to do next. */
function renderResult(v) {
  const { state, feedback } = app;
  const t = state.t;
  const last = v.last;
  const result = $("pack-result");
  result.hidden = !last || v.screen !== "pack_order" || !["ready_to_ship", "on_hold"].includes(last.status);
  if (!last) return;
  const key = `${last.order_id}:${last.status}`;
  if (result.hidden) { state.packKey = key; return; }
  const pass = last.status === "ready_to_ship";
  result.className = `result ${pass ? "pass" : "hold"}`;
  $("pack-result-title").textContent = t(pass ? "pack.pass" : "pack.hold", { order: last.order_id });
  const weighed = (last.parcels || []).filter((p) => p.measured_g != null).map((p) => {
    const line = t("pack.measured", { n: p.n, measured: p.measured_g, expected: p.expected_g, tolerance: p.tolerance_g });
    return p.state === "hold" ? `${line} · ${t("pack.diff", { diff: signed(p.diff_g) })}` : line;
  }).join(" · ");
  // The weights in the packer's language; the stored reason only when there are none.
  $("pack-result-text").textContent = weighed || serverText(last.hold_reason, t);
  const held = (last.parcels || []).find((p) => p.state === "hold" && p.next);
  $("pack-next").hidden = pass || !held;
  if (held && !pass) {
    $("pack-next").textContent = t(`pack.next_${held.next}`, { n: held.n });
    $("pack-next").dataset.next = held.next;
  }
  $("override").hidden = pass;
  if (state.packKey && key !== state.packKey) feedback(pass ? "good" : "bad");
  state.packKey = key;
}

/** The scale's reading now, against the waiting parcel's expected weight. */
export function renderWeight() {
  const state = app.state;
  const v = state.view;
  if (!v || v.screen !== "pack_weigh") return;
  const t = state.t;
  const el = $("weight-now");
  const reading = state.weight;
  const parcel = v.parcels.find((p) => p.state === "waiting");
  if (!reading || Date.now() - reading.seen > READING_FRESH_MS) {
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
