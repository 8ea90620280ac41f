// The handheld's stock-flow screens: receiving, put-away, replenishment and blind counts.
// handheld.js routes these views here; every tap goes out as a queued event (exactly once).
import { askQty, askYes, closeStale, modeIcon, renderMenu, setupSheets, sheetOpen } from "/static/stocksheets.js";

export { renderMenu, sheetOpen };

const $ = (id) => document.getElementById(id);

const MARKUP = `
<section id="stock" class="screen">
  <div class="stop-head">
    <span id="stock-mode" class="pill mode-pill"></span>
    <span id="stock-step" class="pill" hidden></span>
    <span id="stock-lit" class="pill lit" hidden data-i18n="stop.lit">Light on</span>
  </div>
  <h1 id="stock-title"></h1>
  <div id="stock-bin" class="bin" hidden></div>
  <p id="stock-reason" class="reason" hidden></p>
  <p id="stock-prompt" class="prompt"></p>
  <div id="stock-body"></div>
</section>`;

let app = null; // {send, t, feedback, refocus, online, queued}
let sheetKey = null; // the screen (and step) an open number or yes/no sheet belongs to

// The lists to choose from (deliveries, put-aways, top-ups, counts) are pushed by the
// service whenever they change: nothing here polls.

/** Build the screens and the menu once; handle = {send, t, feedback, refocus, online, queued}. */
export function setup(handle) {
  app = handle;
  $("content").insertAdjacentHTML("beforeend", MARKUP);
  const bar = document.createElement("nav");
  bar.id = "stock-actions";
  $("actions").after(bar);
  setupSheets(handle);
}

// A DOM element: el("div", "class", child, "text", …); null and false children are left out.
function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return e;
}

function button(label, cls, onClick, data = {}) {
  const b = el("button", cls, label);
  Object.assign(b.dataset, data);
  b.addEventListener("click", onClick);
  return b;
}

function hash(text) { let h = 0; for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0; return h; }

/** A GTIN-14 as printed under an EAN-13 / UPC-A barcode (no padding zero). */
function printedGtin(gtin) { return gtin.length === 14 && gtin.startsWith("0") ? gtin.slice(1) : gtin; }

/** The item as the pick stop shows it: initials on a colour of its own, name, SKU, digits. */
function itemCard(item, qty, qtyLabel, extra = []) {
  const picture = el("div", "picture", item.name.split(/\s+/).slice(0, 2).map((w) => w[0]).join("").toUpperCase());
  picture.style.background = `hsl(${hash(item.sku) % 360} 70% 62%)`;
  picture.setAttribute("aria-hidden", "true");
  const facts = el("div", null,
    el("div", "item-name", item.name),
    el("div", "item-sku", item.sku),
    item.gtins?.length ? el("div", "item-gtin", item.gtins.map(printedGtin).join(" · ")) : null,
    ...extra);
  const amount = qty === null ? el("div") : el("div", "qty", el("span", null, qtyLabel), el("b", null, qty));
  return el("div", "item", picture, facts, amount);
}

function lotLine(t, lot, expiry) {
  const parts = [lot ? t("stock.lot", { lot }) : "", expiry ? t("stock.expiry", { expiry }) : ""].filter(Boolean);
  return parts.length ? el("div", "item-lot", parts.join(" · ")) : null;
}

/** The parts every stock screen has; what a screen does not name is hidden. */
function frame(v, { title = "", bin = null, reason = "", prompt = "", step = "", lit = false, body = [], actions = [] }) {
  const t = app.t();
  $("stock-mode").replaceChildren(modeIcon(v.mode), t(`mode.${v.mode}`));
  $("stock-step").hidden = !step;
  $("stock-step").textContent = step;
  $("stock-lit").hidden = !lit;
  $("stock-title").textContent = title;
  $("stock-title").hidden = !title;
  $("stock-bin").hidden = bin === null;
  $("stock-bin").textContent = bin ?? "";
  $("stock-reason").hidden = !reason;
  $("stock-reason").textContent = reason;
  $("stock-prompt").textContent = prompt;
  $("stock-prompt").hidden = !prompt;
  $("stock-body").replaceChildren(...body.filter(Boolean));
  $("stock-actions").replaceChildren(...actions.filter(Boolean));
  document.body.classList.toggle("stock-has-actions", actions.some(Boolean));
}

/** A list of tasks or deliveries to choose from; a tap sends what a scan would. */
function choices(items, empty) {
  if (!items.length) return el("p", "empty", empty);
  return el("div", "choices task-list", ...items);
}

// --- receiving ----------------------------------------------------------------------------

function receiveSelect(v, t) {
  const rows = v.deliveries.map((d) => button(
    [el("b", "mono", d.delivery_id), el("small", null, d.supplier),
     el("small", null, [t("receive.units", { received: d.received_units, expected: d.expected_units }),
       t(`receive.status_${d.status}`)].join(" · "))],
    "secondary", () => app.send({ type: "scan", code: d.delivery_id }), { delivery: d.delivery_id }));
  frame(v, {
    title: t("receive.select_title"),
    prompt: t("receive.select_prompt"),
    body: [choices(rows, t("receive.none_open"))],
  });
}

function receiveLines(delivery, t) {
  const head = el("tr", null, el("th", null, t("receive.col_item")), el("th", null, t("receive.col_expected")),
    el("th", null, t("receive.col_received")), el("th", null, t("receive.col_damaged")));
  const rows = delivery.lines.map((line) => {
    const diff = line.received - line.expected;
    const row = el("tr", diff > 0 ? "over" : diff < 0 ? "under" : "even",
      el("td", null, el("div", "line-name", line.name), el("small", "mono", line.sku), lotLine(t, line.lot, line.expiry)),
      el("td", "num", line.expected), el("td", "num", line.received), el("td", "num", line.damaged || ""));
    row.dataset.sku = line.sku;
    return row;
  });
  return el("table", "lines", el("thead", null, head), el("tbody", null, ...rows));
}

function receive(v, t) {
  const d = v.delivery;
  const last = v.last;
  const key = `receive:${d.delivery_id}:${v.expect}:${last?.scan_id ?? ""}`;
  sheetKey = key;
  const lastCard = last && el("div", "last-scan",
    el("div", "label", t("receive.last")),
    itemCard({ ...last, gtins: [] }, last.qty, t(last.condition === "damaged" ? "receive.damaged_short" : "receive.units_short"),
      [lotLine(t, last.lot, last.expiry)]));
  const askQuantity = (damaged) => askQty({
    title: t(damaged ? "receive.damaged_title" : "receive.qty_title", { name: last.name }),
    hint: t("receive.qty_hint"),
    initial: last.qty,
    key,
    onOk: (qty) => app.send({ type: "confirm", qty, reason: damaged ? "damaged" : "" }),
  });
  const close = () => askYes({
    title: t("receive.close_title", { delivery: d.delivery_id }),
    text: t("receive.close_text"),
    ok: t("receive.close"),
    key,
    onOk: () => app.send({ type: "close" }),
  });
  frame(v, {
    title: d.delivery_id,
    reason: d.supplier,
    prompt: t(v.expect === "qty" ? "receive.prompt_qty" : "receive.prompt_item"),
    body: [
      v.awaiting_lot ? el("p", "hint", t("receive.awaiting_lot")) : null,
      lastCard,
      receiveLines(d, t),
      button(t("receive.later"), "ghost wide", () => app.send({ type: "skip" }), { act: "later" }),
    ],
    actions: [
      last && button(t("receive.quantity"), "primary", () => askQuantity(false), { act: "quantity" }),
      last && button(t("receive.damaged"), "warn", () => askQuantity(true), { act: "damaged" }),
      button(t("receive.close"), "secondary", close, { act: "close" }),
    ],
  });
}

function receiveDone(v, t) {
  const rows = v.differences.map((d) => {
    const row = el("tr", d.diff > 0 ? "over" : d.diff < 0 ? "under" : "even",
      el("td", null, el("div", "line-name", d.name), el("small", "mono", d.sku)),
      el("td", "num", d.expected), el("td", "num", d.received), el("td", "num", d.damaged || ""),
      el("td", "num diff", d.diff > 0 ? `+${d.diff}` : String(d.diff)));
    row.dataset.sku = d.sku;
    return row;
  });
  const table = el("table", "lines differences",
    el("thead", null, el("tr", null, ...["col_item", "col_expected", "col_received", "col_damaged", "col_diff"]
      .map((k) => el("th", null, t(`receive.${k}`))))),
    el("tbody", null, ...rows));
  frame(v, {
    title: t("receive.done_title", { delivery: v.delivery_id }),
    body: [
      v.differences.length ? el("h2", "section", t("receive.differences")) : el("p", "all-good", t("receive.no_differences")),
      v.differences.length ? table : null,
      el("p", "note", t("receive.putaway_tasks", { n: v.putaway_tasks })),
    ],
    actions: [button(t("receive.next"), "primary", () => app.send({ type: "next" }), { act: "next" })],
  });
}

// --- put-away -----------------------------------------------------------------------------

const PUTAWAY_REASONS = {
  "existing bin": "putaway.reason_existing",
  "empty bin near the depot for a fast mover": "putaway.reason_fast",
  "empty bin": "putaway.reason_empty",
  reserve: "putaway.reason_reserve",
};

function waitingPill(t, n) { return n ? el("span", "pill waiting", t("stock.waiting_orders", { n })) : null; }

function putawaySelect(v, t) {
  const rows = v.tasks.map((task) => button(
    [el("b", null, `${task.qty} × ${task.name}`),
     el("small", null, [task.sku, task.lot && t("stock.lot", { lot: task.lot })].filter(Boolean).join(" · ")),
     el("span", "task-foot", el("span", "mono bin-small", task.suggested_bin || t("putaway.any_bin")),
       waitingPill(t, task.waiting_orders))],
    "secondary", () => app.send({ type: "scan", code: task.sku }), { task: task.task_id }));
  frame(v, {
    title: t("putaway.select_title"),
    prompt: t("putaway.select_prompt"),
    body: [choices(rows, t("putaway.none"))],
    actions: [v.tasks.length && button(t("putaway.next"), "primary", () => app.send({ type: "next" }), { act: "next" })],
  });
}

function putaway(v, t) {
  const task = v.task;
  const reasonKey = PUTAWAY_REASONS[task.reason];
  frame(v, {
    bin: task.suggested_bin || t("putaway.any_bin"),
    reason: task.suggested_bin ? `${t("putaway.suggested")}: ${reasonKey ? t(reasonKey) : task.reason}` : "",
    prompt: t("putaway.prompt", { qty: task.qty, name: task.name }),
    body: [
      itemCard(task, task.qty, t("putaway.put"), [lotLine(t, task.lot, task.expiry)]),
      el("p", "note", t("putaway.other_bin")),
    ],
    actions: [button(t("actions.skip"), "secondary", () => app.send({ type: "skip" }), { act: "skip" })],
  });
}

// --- replenishment ------------------------------------------------------------------------

function replenishSelect(v, t) {
  const rows = v.tasks.map((task) => el("div", "task-card",
    el("b", null, `${task.qty} × ${task.name}`),
    el("span", "task-foot", el("span", "mono bin-small", `${task.from_bin} → ${task.to_bin}`),
      waitingPill(t, task.waiting_orders))));
  frame(v, {
    title: t("replenish.select_title"),
    prompt: v.tasks.length ? t("replenish.select_prompt") : "",
    body: [choices(rows, t("replenish.none"))],
    actions: [v.tasks.length && button(t("replenish.next"), "primary", () => app.send({ type: "next" }), { act: "next" })],
  });
}

const REPLEN_STEPS = ["from", "item", "to"];

function replenish(v, t) {
  const task = v.task;
  const step = v.step;
  const key = `replenish:${task.task_id}:${step}`;
  sheetKey = key;
  const fewer = () => askQty({
    title: t("replenish.fewer_title", { bin: task.from_bin }),
    hint: t("replenish.fewer_hint", { qty: task.qty }),
    initial: task.qty,
    max: task.qty,
    key,
    onOk: (qty) => app.send({ type: "confirm", qty, reason: "" }),
  });
  frame(v, {
    step: `${REPLEN_STEPS.indexOf(step) + 1}/3 · ${t(`replenish.step_${step}`)}`,
    lit: task.lit && step === "to",
    bin: step === "to" ? task.to_bin : task.from_bin,
    reason: t("replenish.route", { from: task.from_bin, to: task.to_bin }),
    prompt: t(`replenish.prompt_${step}`, { qty: task.qty, name: task.name, bin: step === "to" ? task.to_bin : task.from_bin }),
    body: [itemCard(task, task.qty, t("stop.take"))],
    actions: [
      step === "item" && button(t("replenish.fewer"), "warn", fewer, { act: "fewer" }),
      button(t("actions.skip"), "secondary", () => app.send({ type: "skip" }), { act: "skip" }),
    ],
  });
}

// --- blind counts -------------------------------------------------------------------------

function countSelect(v, t) {
  frame(v, {
    title: t("count.select_title"),
    prompt: t("count.waiting", { n: v.waiting }),
    body: [el("p", "note", t("count.select_text"))],
    actions: [button(t("count.next"), "primary", () => app.send({ type: "next" }), { act: "next" })],
  });
}

function count(v, t) {
  const c = v.count; // blind: the view has no expected quantity, and nothing here adds one
  const key = `count:${c.count_id}:${v.expect}`;
  sheetKey = key;
  const counting = v.expect === "qty";
  const total = () => askQty({
    title: t("count.total_title", { name: c.name, bin: c.bin }),
    hint: t("count.total_hint"),
    initial: c.counted,
    key,
    onOk: (qty) => app.send({ type: "confirm", qty, reason: "" }),
  });
  frame(v, {
    step: c.recount ? t("count.recount") : "",
    bin: c.bin,
    prompt: t(counting ? "count.prompt_qty" : "count.prompt_bin", { bin: c.bin }),
    body: [
      itemCard(c, counting ? c.counted : null, t("count.counted")),
      el("p", "note", t("count.blind")),
    ],
    actions: [
      counting && button(t("count.submit", { n: c.counted }), "primary",
        () => app.send({ type: "confirm", qty: c.counted, reason: "" }), { act: "submit" }),
      counting && button(t("count.total"), "secondary", total, { act: "total" }),
      button(t("actions.skip"), "ghost", () => app.send({ type: "skip" }), { act: "skip" }),
    ],
  });
}

function countDone(v, t) {
  frame(v, {
    title: t(`count.done_${v.outcome}`),
    bin: v.bin,
    body: [el("p", "note", t(`count.done_${v.outcome}_text`))],
    actions: [button(t("count.next"), "primary", () => app.send({ type: "next" }), { act: "next" })],
  });
  document.body.dataset.outcome = v.outcome;
}

const SCREENS = {
  receive_select: receiveSelect,
  receive,
  receive_done: receiveDone,
  putaway_select: putawaySelect,
  putaway,
  replenish_select: replenishSelect,
  replenish,
  count_select: countSelect,
  count,
  count_done: countDone,
};

/** Is this one of the stock-flow screens? */
export function handles(screen) { return Object.hasOwn(SCREENS, screen); }

/** Show a stock-flow view: the screen, its actions at the thumb. */
export function render(v) {
  // A new screen starts at its top (the page keeps one scrolling area for every screen).
  if (document.body.dataset.stock !== v.screen) $("content").scrollTop = 0;
  document.body.dataset.screen = "stock";
  document.body.dataset.stock = v.screen;
  delete document.body.dataset.outcome;
  sheetKey = null;
  SCREENS[v.screen](v, app.t());
  closeStale(sheetKey); // a sheet opened for an earlier screen or step closes
}

/** Leaving the stock screens: no sheet of theirs stays open. */
export function leave() {
  closeStale(null);
  delete document.body.dataset.stock;
}
