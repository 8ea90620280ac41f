// The returns desk on the handheld: a parcel's return opened by its label or order code, each
// unit scanned and graded (resellable, damaged, wrong item, missing), the close that restocks.
// handheld.js routes these views here; every tap goes out as a queued event, like a scan.
import { askYes, closeStale, modeIcon } from "/static/stocksheets.js";

const $ = (id) => document.getElementById(id);
const SCREENS = ["return_select", "return", "return_done"];
const GRADES = ["resellable", "damaged", "wrong_item", "missing"];
// The printed code a scanner-only desk scans for each grade: the buttons send the same.
const GRADE_CODE = { resellable: "GRADE-RESELLABLE", damaged: "GRADE-DAMAGED", wrong_item: "GRADE-WRONG", missing: "GRADE-MISSING" };

const MARKUP = `
<section id="returns" class="screen">
  <div class="stop-head"><span id="returns-mode" class="pill mode-pill"></span></div>
  <h1 id="returns-title"></h1>
  <p id="returns-order" class="reason" hidden></p>
  <p id="returns-prompt" class="prompt"></p>
  <div id="returns-body"></div>
</section>`;

let app = null; // {send, t, refocus}

/** Build the screens once; handle = {send, t, refocus}. */
export function setup(handle) {
  app = handle;
  $("content").insertAdjacentHTML("beforeend", MARKUP);
  const bar = document.createElement("nav");
  bar.id = "returns-actions";
  $("actions").after(bar);
}

/** Whether this module draws the view. */
export function handles(screen) { return SCREENS.includes(screen); }

function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return e;
}

function button(label, cls, onClick, data = {}) {
  const b = el("button", cls, label);
  Object.assign(b.dataset, data);
  b.addEventListener("click", () => { onClick(); app.refocus(); });
  return b;
}

function frame(v, { title, order = "", prompt = "", body = [], actions = [] }) {
  const t = app.t();
  $("returns-mode").replaceChildren(modeIcon("return"), t("mode.return"));
  $("returns-title").textContent = title;
  $("returns-order").hidden = !order;
  $("returns-order").textContent = order;
  $("returns-prompt").textContent = prompt;
  $("returns-prompt").hidden = !prompt;
  $("returns-body").replaceChildren(...body.filter(Boolean));
  $("returns-actions").replaceChildren(...actions.filter(Boolean));
  document.body.classList.toggle("returns-has-actions", actions.some(Boolean));
}

function orderLine(r) { return [r.shop_order_id, r.order_code].filter(Boolean).join(" · "); }

function selectScreen(v, t) {
  const rows = v.returns.map((r) => button(
    [el("b", "mono", r.rma_id || r.order_code), el("small", null, orderLine(r)),
     el("small", null, [t("return.units", { n: r.units }), t(`return.status_${r.status}`)].join(" · "))],
    "secondary", () => app.send({ type: "scan", code: r.rma_id || r.order_code }), { rma: r.rma_id || "" }));
  frame(v, {
    title: t("return.select_title"),
    prompt: t("return.select_prompt"),
    body: [rows.length ? el("div", "choices task-list", ...rows) : el("p", "empty", t("return.none_open"))],
  });
}

/** The return's lines: what the shop announced (or the order shipped) and what came back. */
function lines(r, t, done) {
  const cols = done ? ["col_item", "col_ok", "col_written_off"] : ["col_item", "col_expected", "col_back"];
  const rows = r.lines.map((ln) => {
    const off = ln.damaged + ln.wrong_item + ln.missing;
    const cells = done ? [ln.resellable, off] : [ln.expected, ln.scanned];
    const state = done ? "closed" : ln.scanned > ln.expected ? "over" : "even";
    const row = el("tr", ln.in_order ? state : "wrong",
      el("td", null, el("div", "line-name", ln.name), el("small", "mono", ln.sku),
        ln.in_order ? null : el("div", "wrong-note", t("return.wrong_item_note"))),
      ...cells.map((n) => el("td", "num", n || (done ? "" : "0"))));
    row.dataset.sku = ln.sku;
    return row;
  });
  return el("table", "lines return-lines",
    el("thead", null, el("tr", null, ...cols.map((k) => el("th", null, t(`return.${k}`))))),
    el("tbody", null, ...rows));
}

function inspect(v, t) {
  const r = v.return;
  const grading = v.expect === "grade";
  const last = v.last;
  const key = `return:${r.return_id}:${v.expect}:${last?.unit_id ?? ""}`;
  const unit = last && el("div", "last-scan",
    el("div", "label", t(grading ? "return.grade_this" : "return.last")),
    el("div", "item return-unit",
      el("div", null, el("div", "item-name", last.name), el("div", "item-sku", last.sku)),
      !grading && last.grade ? el("span", `pill grade grade-${last.grade}`, t(`grade.${last.grade}`)) : null));
  const grades = grading && el("div", "grades", ...GRADES.map((g) => button(
    t(`grade.${g}`), `grade-button grade-${g}`, () => app.send({ type: "scan", code: GRADE_CODE[g] }), { grade: g })));
  const close = () => askYes({
    title: t("return.close_title", { order: r.shop_order_id }),
    text: t("return.close_text"),
    ok: t("return.close"),
    key,
    onOk: () => app.send({ type: "close" }),
  });
  frame(v, {
    title: r.rma_id || t("return.unannounced"),
    order: orderLine(r),
    prompt: t(grading ? "return.prompt_grade" : "return.prompt_item"),
    body: [unit, grades, lines(r, t, false),
      !grading && button(t("return.later"), "ghost wide", () => app.send({ type: "skip" }), { act: "later" })],
    actions: [!grading && button(t("return.close"), "primary", close, { act: "close" })],
  });
  closeStale(key);
}

function done(v, t) {
  const r = v.return;
  const back = r.lines.reduce((n, ln) => n + ln.resellable, 0);
  const off = r.lines.reduce((n, ln) => n + ln.damaged + ln.wrong_item + ln.missing, 0);
  frame(v, {
    title: t("return.done_title", { order: r.shop_order_id }),
    order: [r.rma_id, t(`status.${r.order_status}`)].filter(Boolean).join(" · "),
    body: [lines(r, t, true),
      el("p", "note", t("return.putaway", { n: back })),
      off ? el("p", "note", t("return.written_off", { n: off })) : null],
    actions: [button(t("return.next"), "primary", () => app.send({ type: "next" }), { act: "next" })],
  });
}

/** Show a returns view: the screen, its actions at the thumb. */
export function render(v) {
  if (document.body.dataset.returns !== v.screen) $("content").scrollTop = 0;
  document.body.dataset.screen = "returns";
  document.body.dataset.returns = v.screen;
  const t = app.t();
  if (v.screen === "return_select") selectScreen(v, t);
  else if (v.screen === "return") inspect(v, t);
  else done(v, t);
}

/** Leaving the returns screens. */
export function leave() { delete document.body.dataset.returns; }
