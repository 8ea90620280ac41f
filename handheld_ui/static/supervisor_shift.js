// The supervisor's shift in numbers (rates, waits, walking, scan errors, a chart of the last hours) and the cut-off's outlook per carrier pick-up.

const HOURS = 8; // the panel shows the last eight hours of the site's clock
const REFRESH_MS = 60000; // the numbers are per hour: once a minute is plenty
const SVG = "http://www.w3.org/2000/svg";

let ui = null; // what supervisor.js lends: t, fmt, el, token, expired
let shown = null; // the newest numbers, redrawn when the language changes
let timer = null;

const $ = (id) => document.getElementById(id);

/** Start fetching the numbers; ui's members are read at each use (the language changes). */
export function setupShift(shared) {
  ui = shared;
}

/** Fetch now and every minute while logged in (supervisor.js calls it once the stream is open). */
export function startShift() {
  if (timer) clearInterval(timer);
  fetchShift();
  timer = setInterval(fetchShift, REFRESH_MS);
}

async function fetchShift() {
  const token = ui.token();
  if (!token) { clearInterval(timer); timer = null; return; }
  try {
    const r = await fetch(`/api/v1/shift?hours=${HOURS}`, { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
    if (r.status === 401) { clearInterval(timer); timer = null; return ui.expired(); }
    if (r.ok) renderShift(await r.json());
  } catch { /* the next minute tries again */ }
}

/** Redraw with the current language (numbers, words and the hours of the chart). */
export function redrawShift() {
  if (shown) renderShift(shown);
}

function renderShift(data) {
  shown = data;
  const { t, fmt, el } = ui;
  const f = data.floor;
  const n = (x, digits = 1) => (x == null ? "—" : new Intl.NumberFormat(fmt.num.resolvedOptions().locale, { maximumFractionDigits: digits }).format(x));
  const wait = (s) => (s == null ? "—" : ui.duration(s));
  const stat = (key, value, sub) => el("div", { class: "stat", dataset: { stat: key } }, el("b", {}, value), el("span", {}, t(`shift.${key}`)), sub ? el("small", { class: "muted" }, sub) : null);
  $("shift-hours").textContent = t("shift.hours", { n: data.hours });
  $("shift-stats").replaceChildren(
    stat("lines", n(f.lines_per_hour), t("shift.total", { n: n(f.lines, 0) })),
    stat("orders", n(f.orders_per_hour), t("shift.total", { n: n(f.orders, 0) })),
    stat("paid_shipped", wait(f.paid_to_shipped_s.p50), t("shift.p90", { d: wait(f.paid_to_shipped_s.p90) })),
    stat("walking", n(f.walking_m_per_line)),
    stat("errors", f.scan_error_rate == null ? "—" : new Intl.NumberFormat(fmt.num.resolvedOptions().locale, { style: "percent", maximumFractionDigits: 1 }).format(f.scan_error_rate),
      t("shift.refused", { n: n(f.refused_scans, 0), total: n(f.scans, 0) })),
  );
  $("shift-chart").replaceChildren(chart(data.hourly));
  const people = (list, role) => list.map((p) => el("li", { class: `item rate ${role}`, dataset: { badge: p.badge } },
    el("div", { class: "main" }, el("b", {}, p.name), " ", el("span", { class: "muted" }, t(`role.${role}`))),
    el("div", { class: "side" }, t("shift.person", { lines: n(p.lines_per_hour), orders: n(p.orders_per_hour) }))));
  const rows = [...people(data.pickers, "picker"), ...people(data.packers, "packer")];
  $("shift-people").replaceChildren(...(rows.length ? rows : [el("li", { class: "none" }, t("shift.none"))]));
}

/** Bars of lines picked per hour, a line of orders packed; the hours of the site's clock below. */
function chart(hourly) {
  const { t, fmt } = ui;
  const w = 300, h = 96, top = 12, base = 80, gap = 4;
  const most = Math.max(1, ...hourly.map((x) => Math.max(x.lines, x.orders)));
  const slot = w / hourly.length;
  const y = (v) => base - (v / most) * (base - top);
  const node = (tag, attrs, text) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    return e;
  };
  const svg = node("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", class: "chart" });
  svg.append(node("title", {}, t("shift.chart", { n: hourly.length })));
  const hour = new Intl.DateTimeFormat(fmt.num.resolvedOptions().locale, { hour: "2-digit", hourCycle: "h23", timeZone: fmt.zone });
  hourly.forEach((x, k) => {
    const left = k * slot + gap / 2;
    svg.append(node("rect", { class: "lines", x: left, y: y(x.lines), width: slot - gap, height: base - y(x.lines), "data-lines": x.lines }));
    if (x.lines) svg.append(node("text", { class: "value", x: left + (slot - gap) / 2, y: y(x.lines) - 2 }, fmt.num.format(x.lines)));
    svg.append(node("text", { class: "hour", x: left + (slot - gap) / 2, y: h - 2 }, hour.format(Date.parse(x.from))));
  });
  svg.append(node("polyline", { class: "orders", points: hourly.map((x, k) => `${k * slot + slot / 2},${y(x.orders)}`).join(" ") }));
  return svg;
}

/** The cut-off's outlook in the risk panel: per carrier pick-up today, who will miss it and who did. */
export function renderOutlook(cutoff, shownRisk, totalRisk) {
  const { t, fmt, el } = ui;
  const n = (x) => fmt.num.format(x);
  $("pickups").replaceChildren(...(cutoff.pickups || []).map((p) => {
    const bits = p.passed
      ? [p.missed ? el("b", { class: "bad" }, t("pickup.missed", { n: n(p.missed) })) : t("pickup.gone")]
      : [p.will_miss ? el("b", { class: "bad" }, t("pickup.will_miss", { n: n(p.will_miss) })) : t("pickup.ok"),
        p.needs_action ? el("b", { class: "warn" }, t("pickup.action", { n: n(p.needs_action) })) : null];
    return el("li", { class: `pickup${p.passed ? " passed" : ""}`, dataset: { pickup: p.local, willMiss: p.will_miss, missed: p.missed } },
      el("span", { class: "muted" }, t("pickup.title", { time: p.local })), " ", bits.filter(Boolean).flatMap((b, i) => (i ? [" · ", b] : [b])));
  }));
  $("risk-more").textContent = totalRisk > shownRisk ? t("risk.more", { shown: n(shownRisk), total: n(totalRisk) }) : "";
}

/** After today's cut-off, while orders due by it are not ready: "N missed" instead of tomorrow's countdown. */
export function missedClock(cutoff) {
  if (!cutoff.passed || !cutoff.missed) return false;
  const { t, fmt, el } = ui;
  $("cutoff-clock").replaceChildren(el("b", { class: "missed" }, t("cutoff.missed", { n: fmt.num.format(cutoff.missed) })));
  $("cutoff").dataset.level = "alarm";
  return true;
}
