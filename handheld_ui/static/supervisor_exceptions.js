// The supervisor's exceptions queue: lights not acknowledged, devices gone, held parcels, short picks, orders missing the cut-off, dead letters; searchable, each with its action.
import { openRelease } from "/static/supervisor_holds.js";
import { said, shortReason } from "/static/supervisor_words.js";

const KINDS = ["light_unacked", "device_offline", "label_failed", "weight_hold", "short", "cutoff_miss", "dead_letter"];
const PAGE = 25; // rows per page; the total is always said
const GAP_MS = 1000; // a burst of changes asks again at most this often
const TYPING_MS = 250; // the search waits for a pause in typing

let ui = null; // what supervisor.js lends: t, fmt, el, live, toast, token, expired
let shown = null; // the last page, redrawn when the language changes
let kind = null; // the chip picked (null: every kind)
let offset = 0;
let asking = false; // a request is out
let again = false; // something changed meanwhile: ask once more after it
let lastAsk = 0;
let later = null;
let acting = null; // the action the sheet confirms: {url, body(reason)}

const $ = (id) => document.getElementById(id);

/** Wire the search, the chips' paging and the action sheet once. */
export function setupExceptions(shared) {
  ui = shared;
  let typing = null;
  $("exc-q").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => { offset = 0; ask(); }, TYPING_MS);
  });
  $("exc-prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); ask(); });
  $("exc-next").addEventListener("click", () => { offset += PAGE; ask(); });
  $("exc-act-form").addEventListener("submit", confirm);
  $("exc-act-cancel").addEventListener("click", () => $("exc-act").close());
}

/** Something on the floor changed (a new overview): ask for the queue again, at most once a second. */
export function renderExceptions() {
  if (shown) draw(shown); // at once in the current language
  const wait = lastAsk + GAP_MS - performance.now();
  if (wait > 0) { if (!later) later = setTimeout(() => { later = null; ask(); }, wait); return; }
  ask();
}

async function ask() {
  const token = ui.token();
  if (!token) return;
  if (asking) { again = true; return; }
  asking = true;
  lastAsk = performance.now();
  const params = new URLSearchParams({ limit: PAGE, offset });
  const q = $("exc-q").value.trim();
  if (q) params.set("q", q);
  if (kind) params.set("kind", kind);
  try {
    const r = await fetch(`/api/v1/exceptions?${params}`, { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
    if (r.status === 401) return ui.expired();
    if (r.ok) {
      const data = await r.json();
      // Acted on the last row of a page: show the page before it.
      if (!data.items.length && data.total && offset) { offset = Math.max(0, data.total - PAGE); again = true; }
      else draw(data);
    }
  } catch { /* the next change asks again */ } finally {
    asking = false;
    if (again) { again = false; ask(); }
  }
}

function draw(data) {
  shown = data;
  const { t, el, fmt } = ui;
  const n = (x) => fmt.num.format(x);
  $("panel-exceptions").hidden = false;
  const all = KINDS.reduce((sum, k) => sum + (data.counts[k] || 0), 0);
  $("exc-n").textContent = all ? n(all) : "";
  const chip = (k, count) => el("button", {
    type: "button", class: `quiet exc-kind${k ? ` k-${k}` : ""}`, "aria-pressed": String(kind === k), dataset: { kind: k || "all" },
    onclick: () => { kind = k; offset = 0; ask(); },
  }, t(k ? `exc.kind.${k}` : "exc.all"), " ", el("b", {}, n(count)));
  $("exc-kinds").replaceChildren(chip(null, all),
    ...KINDS.filter((k) => data.counts[k] || kind === k).map((k) => chip(k, data.counts[k] || 0)));
  $("exc-list").replaceChildren(...(data.items.length ? data.items.map(row)
    : [el("li", { class: "none" }, t($("exc-q").value.trim() || kind ? "exc.none_found" : "exc.none"))]));
  const from = data.total ? data.offset + 1 : 0;
  const to = data.offset + data.items.length;
  // "26–50 of 56": the page never hides that there are more.
  $("exc-shown").textContent = data.total ? t("exc.shown", { from: n(from), to: n(to), total: n(data.total) }) : "";
  $("exc-prev").hidden = data.offset === 0;
  $("exc-next").hidden = to >= data.total;
  if (data.capped?.length) $("exc-shown").textContent += ` · ${t("exc.capped")}`;
}

function row(i) {
  const { t, el } = ui;
  const bits = [i.where, i.who_name || i.who, i.order != null ? t("order.id", { id: i.order }) : null].filter(Boolean);
  return el("li", { class: `item exc k-${i.kind}`, dataset: { kind: i.kind, id: i.id } },
    el("div", { class: "main" }, el("b", { class: "exc-label" }, t(`exc.kind.${i.kind}`)), " ", el("span", { class: "what" }, what(i))),
    el("div", { class: "side" }, i.actions.map((a) => el("button", {
      type: "button", class: `quiet act act-${a}`, onclick: () => act(i, a),
    }, t(`exc.act.${a}`)))),
    el("div", { class: "sub" }, bits.join(" · "), i.at ? [bits.length ? " · " : "", ui.live(i.at, "ago")] : null));
}

/** What happened, in the page's language (the service's own words only where it has none). */
function what(i) {
  const { t, fmt } = ui;
  const d = i.detail;
  switch (i.kind) {
    case "short": return t("exc.what.short", { sku: d.sku, missing: d.missing, bin: d.bin, reason: shortReason(d.reason || "short pick", t) });
    case "device_offline": return t("exc.what.device_offline", { device: i.ref, kind: t(`kind.${d.device_kind}`) });
    case "label_failed": return t("exc.what.label_failed", { n: d.n, why: [d.result, d.error].filter(Boolean).join(": ") });
    case "light_unacked": return t("exc.what.light_unacked", { slot: d.slot, device: d.device, n: d.resends });
    case "cutoff_miss": return t(d.missed ? "exc.what.missed" : "exc.what.will_miss", {
      time: fmt.time.format(Date.parse(i.at)), status: t(`status.${d.order_status}`) });
    default: return said(i.what, t);
  }
}

function act(i, action) {
  const { t, fmt } = ui;
  const d = i.detail;
  const post = (url, body = () => ({})) => ({ url, body });
  if (action === "release_hold") return openRelease({ order_id: i.order, reason: d.reason || (i.kind === "weight_hold" ? i.what : "") });
  if (action === "schedule_count") return scheduleCount(d.bin, d.sku);
  const spec = {
    acknowledge: post(i.kind === "short" ? `/api/v1/shorts/${i.ref}/ack` : `/api/v1/dead-letters/${i.ref}/ack`),
    resend_light: post(`/api/v1/lights/${encodeURIComponent(d.device)}/${encodeURIComponent(d.slot)}/resend`),
    priority: post(`/api/v1/orders/${i.order}/priority`, () => ({ priority: 9 })),
    release_trip: post(`/api/v1/trips/${d.trip_id}/release`),
    reprint: post(`/api/v1/parcels/${i.ref}/reprint`),
  }[action];
  if (!spec) return;
  acting = { ...spec, title: t(`exc.act.${action}`) };
  $("exc-act-title").textContent = `${t(`exc.act.${action}`)} — ${t(`exc.kind.${i.kind}`)}`;
  $("exc-act-what").textContent = [what(i), i.where, i.order != null ? t("order.id", { id: i.order }) : null,
    i.at ? fmt.timeS.format(Date.parse(i.at)) : null].filter(Boolean).join(" · ");
  $("exc-act-confirm").textContent = t(`exc.act.${action}`);
  $("exc-act-reason").value = "";
  $("exc-act-problem").textContent = "";
  $("exc-act").showModal();
  $("exc-act-reason").focus();
}

async function send(url, body) {
  const r = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${ui.token()}` },
    body: JSON.stringify(body),
  });
  const d = await r.json().catch(() => ({}));
  return { r, problem: r.ok ? "" : typeof d.detail === "string" ? d.detail : String(r.status) };
}

async function confirm(ev) {
  ev.preventDefault();
  const { t } = ui;
  const reason = $("exc-act-reason").value.trim();
  if (!reason) { $("exc-act-problem").textContent = t("release.need_reason"); return; }
  $("exc-act-confirm").disabled = true;
  try {
    const { r, problem } = await send(acting.url, { ...acting.body(), reason });
    if (r.status === 401) { $("exc-act").close(); return ui.expired(); }
    if (problem) { $("exc-act-problem").textContent = t("ctl.failed", { detail: said(problem, t) }); return; }
    $("exc-act").close();
    ui.toast(t("ctl.done", { what: acting.title }));
    ask();
  } catch {
    $("exc-act-problem").textContent = t("login.unreachable");
  } finally {
    $("exc-act-confirm").disabled = false;
  }
}

async function scheduleCount(bin, sku) {
  const { t } = ui;
  try {
    const { r, problem } = await send("/api/v1/counts", { bin, sku });
    if (r.status === 401) return ui.expired();
    ui.toast(problem ? t("ctl.failed", { detail: said(problem, t) }) : t("exc.counted", { bin }));
  } catch {
    ui.toast(t("login.unreachable"));
  }
}
