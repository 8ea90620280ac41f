// The supervisor's live view: orders, the cut-off, people, devices, holds and the cloud feed, pushed over SSE.
import { LANGUAGES, chooseLanguage, loadStrings, translatePage } from "/static/i18n.js";
import { openStream } from "/static/sse.js";
import { renderStockWork, setupStockWork } from "/static/stockwork.js";
import { missedClock, redrawShift, renderOutlook, setupShift, startShift } from "/static/supervisor_shift.js";
import { renderControls, setupControls } from "/static/supervisor_controls.js";
import { renderExceptions, setupExceptions } from "/static/supervisor_exceptions.js";
import { renderHolds, setupHolds } from "/static/supervisor_holds.js";
import { loadServerWords, said } from "/static/supervisor_words.js";

const TOKEN = "edge.supervisor.token"; // sessionStorage: a reload stays logged in, a new tab asks
const PERSONAL = "edge.supervisor.personal"; // the logged-in person's own language, if they have one
const PICKED = "edge.supervisor.picked"; // a language picked on screen beats it for this session
const STATUSES = ["received", "awaiting_stock", "picking", "packing", "ready_to_ship",
  "shipped", "on_hold", "cancelled", "returned",
  "partly_returned"];
const KINDS = ["scanner", "scale", "shelf"];
const WORKING = new Set(["bin", "item", "qty"]); // a picker at a stop of their list
const FEED_WARN_S = 3600; // records waiting longer than this: the cloud is not pulling

const $ = (id) => document.getElementById(id);
let t = (key) => key;
let lang = "en";
let fmt = null;
let last = null; // the newest overview
let arrived = 0; // performance.now() when it came
let skew = 0; // the server's clock minus this browser's, in ms
let linkState = "connecting";
let closeStream = null;
let refetchAt = 0;

/** A DOM element: el("li", {class: "x", dataset: {a: 1}}, "text", child). Text is never parsed. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c != null && c !== false && c !== ""));
  return node;
}

// --- numbers and times, in the chosen language and the site's time zone ---

function formatters(timeZone) {
  const zone = (() => {
    try { new Intl.DateTimeFormat("en", { timeZone }); return timeZone; } catch { return undefined; }
  })();
  const clock = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone };
  return {
    num: new Intl.NumberFormat(lang),
    grams: new Intl.NumberFormat(lang, { style: "unit", unit: "gram" }),
    diff: new Intl.NumberFormat(lang, { style: "unit", unit: "gram", signDisplay: "exceptZero" }),
    time: new Intl.DateTimeFormat(lang, clock),
    timeS: new Intl.DateTimeFormat(lang, { ...clock, second: "2-digit" }),
    rel: new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" }),
    dur: Intl.DurationFormat ? new Intl.DurationFormat(lang, { style: "short" }) : null,
    zone: timeZone,
  };
}

const secondsSince = (iso) => (Date.now() + skew - Date.parse(iso)) / 1000;
const orderNo = (id) => t("order.id", { id });
const status = (s) => (s ? t(`status.${s}`) : t("status.new"));

/** "12 s", "3 min", "1 h 5 min", "2 days 3 h". */
function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const parts = s < 60 ? { seconds: s }
    : s < 3600 ? { minutes: Math.floor(s / 60) }
    : s < 86400 ? { hours: Math.floor(s / 3600), minutes: Math.floor((s % 3600) / 60) }
    : { days: Math.floor(s / 86400), hours: Math.floor((s % 86400) / 3600) };
  if (fmt.dur) return fmt.dur.format(parts);
  const [unit, n] = Object.entries(parts)[0];
  return new Intl.NumberFormat(lang, { style: "unit", unit: unit.slice(0, -1) }).format(n);
}

/** "now", "12 sec. ago", "3 min. ago", "yesterday". */
function ago(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return fmt.rel.format(-s, "second");
  if (s < 3600) return fmt.rel.format(-Math.floor(s / 60), "minute");
  if (s < 86400) return fmt.rel.format(-Math.floor(s / 3600), "hour");
  return fmt.rel.format(-Math.floor(s / 86400), "day");
}

const hms = (s) => `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;

/** A time that counts on by itself: "ago" (12 s ago) or "age" (12 s), optionally in a template. */
function live(iso, as, template, warnAfter) {
  const node = el("span", { class: "live", dataset: { at: iso, as } });
  if (template) node.dataset.template = template;
  if (warnAfter) node.dataset.warnAfter = warnAfter;
  paint(node);
  return node;
}

function paint(node) {
  const s = secondsSince(node.dataset.at);
  const text = node.dataset.as === "ago" ? ago(s) : duration(s);
  node.textContent = node.dataset.template ? t(node.dataset.template, { d: text }) : text;
  if (node.dataset.warnAfter) node.closest(".warnable")?.classList.toggle("warn", s > Number(node.dataset.warnAfter));
}

function tick() {
  for (const node of document.querySelectorAll("[data-at]")) paint(node);
  if (!last) return;
  const left = last.cutoff.seconds_left - (performance.now() - arrived) / 1000;
  // The cut-off passed with nothing else changing: ask for the next one.
  if (left <= 0 && performance.now() > refetchAt) { refetchAt = performance.now() + 5000; refetch(); }
  if (missedClock(last.cutoff)) return;
  const s = Math.max(0, Math.ceil(left));
  // "{left} left" in the language's order: the digits big, the words small.
  const [before, after = ""] = t("cutoff.left", { left: "\u0000" }).split("\u0000");
  $("cutoff-clock").replaceChildren(el("small", {}, before.trim()), el("b", {}, hms(s)), el("small", {}, after.trim()));
  $("cutoff").dataset.level = s <= 600 ? "alarm" : s <= 1800 ? "warn" : "ok";
}

// --- the sections ---

function render(ov) {
  if (fmt.zone !== ov.site.timezone) fmt = formatters(ov.site.timezone);
  $("site-name").textContent = ov.site.name;
  document.title = `${t("page.heading")} — ${ov.site.name}`;
  $("cutoff").hidden = false;
  $("cutoff-label").textContent = t("cutoff.label", { time: ov.cutoff.local });
  $("viewer").textContent = ov.viewer ? ov.viewer.name : "";
  renderCounts(ov.counts);
  renderRisk(ov.at_risk, ov.at_risk_total ?? ov.at_risk.length);
  renderOutlook(ov.cutoff, ov.at_risk.length, ov.at_risk_total ?? ov.at_risk.length);
  renderPeople(ov.people);
  renderDevices(ov.devices);
  renderHolds(ov.holds, ov.counts.on_hold ?? ov.holds.length);
  renderFeed(ov.feed);
  renderRecent(ov.recent);
  renderStockWork(ov.stock_work);
  renderControls(ov); // after the holds: it ticks them
  renderExceptions(); // something changed: the queue is asked again
  tick();
}

function renderCounts(counts) {
  $("counts").replaceChildren(...STATUSES.map((s) => el("div", {
    class: `tile s-${s}${counts[s] ? "" : " zero"}`, dataset: { status: s },
  }, el("span", { class: "n" }, fmt.num.format(counts[s] ?? 0)), el("span", { class: "label" }, status(s)))));
}

const none = (key) => el("li", { class: "none" }, t(key));
const badge = (id, n) => { $(id).textContent = n ? fmt.num.format(n) : ""; };

function renderRisk(list, total) {
  badge("risk-n", total);
  $("risk").replaceChildren(...(list.length ? list.map((r) => el("li", { class: "item risk", dataset: { order: r.order_id } },
    el("div", { class: "main" }, el("b", {}, orderNo(r.order_id)), " ", el("span", { class: "muted" }, r.shop_order_id)),
    // On hold or awaiting stock: no finish until someone acts.
    el("div", { class: "side late" }, r.basis === "needs_action" ? t("risk.action")
      : r.slack_s == null ? t("risk.unknown") : t("risk.late", { d: duration(-r.slack_s) })),
    el("div", { class: "sub" }, [status(r.status),
      t("risk.cutoff", { time: fmt.time.format(Date.parse(r.cutoff_at)) }),
      r.finish ? t("risk.finish", { time: fmt.time.format(Date.parse(r.finish)) }) : null].filter(Boolean).join(" · ")),
  )) : [none("risk.none")]));
}

function doing(p) {
  const bits = [];
  if (p.bin && WORKING.has(p.stage)) bits.push(t("people.bin", { bin: p.bin }));
  if (p.stops_total && (WORKING.has(p.stage) || p.stage === "trip_done")) {
    bits.push(p.stage === "trip_done" ? t("people.stops_done", { total: p.stops_total })
      : t("people.stop", { n: Math.min(p.stops_done + 1, p.stops_total), total: p.stops_total }));
  }
  if (p.order_id != null && (WORKING.has(p.stage) || ["contents", "weight"].includes(p.stage))) bits.push(orderNo(p.order_id));
  return bits.join(" · ");
}

function renderPeople(people) {
  badge("people-n", people.length);
  $("people").replaceChildren(...(people.length ? people.map((p) => el("li", {
    class: `item person ${p.role} stage-${p.stage}`, dataset: { device: p.device, badge: p.badge },
  },
    el("div", { class: "main" }, el("b", {}, p.name), " ", el("span", { class: "muted" }, `${t(`role.${p.role}`)} · ${p.device}`)),
    el("div", { class: "side" }, p.since ? live(p.since, "age", "people.since") : null),
    el("div", { class: "sub" }, el("span", { class: "stage" }, t(`stage.${p.stage}`)), [doing(p)].filter(Boolean).map((x) => ` · ${x}`)),
  )) : [none("people.none")]));
}

function renderDevices(devices) {
  const online = devices.filter((d) => d.online).length;
  $("devices-n").textContent = t("devices.summary", { online: fmt.num.format(online), total: fmt.num.format(devices.length) });
  const kinds = [...KINDS, ...new Set(devices.map((d) => d.kind).filter((k) => !KINDS.includes(k)))];
  $("devices").replaceChildren(...kinds.map((kind) => {
    const list = devices.filter((d) => d.kind === kind);
    if (!list.length) return null;
    list.sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
    return el("div", { class: "group" },
      el("h3", {}, t(`kind.${kind}`), " ", el("span", { class: "muted" },
        t("devices.summary", { online: fmt.num.format(list.filter((d) => d.online).length), total: fmt.num.format(list.length) }))),
      el("ul", { class: "chips" }, list.map(chip)));
  }).filter(Boolean));
}

// Gone offline first (the problems), then online, then never seen (not set up yet).
const rank = (d) => (d.online ? 1 : d.last_seen ? 0 : 2);

function chip(d) {
  const state = d.online ? t("device.online") : d.last_seen ? t("device.offline") : t("device.never");
  return el("li", {
    class: `chip ${d.online ? "on" : "off"}${d.online || d.last_seen ? "" : " never"}`,
    dataset: { device: d.id, online: String(d.online) },
    title: d.transport === "http" ? t("device.browser") : null,
  },
    el("div", { class: "top" }, el("i", { class: "dot" }), el("b", { class: "id" }, d.id)),
    el("div", { class: "state" }, el("span", { class: "text" }, el("span", { class: "word" }, state),
      d.online || !d.last_seen ? null : [" · ", live(d.last_seen, "ago")]),
      d.station ? el("span", { class: "tag" }, d.station) : null));
}

function renderFeed(feed) {
  $("feed").replaceChildren(
    el("div", { class: "backlog warnable" },
      el("span", { class: "big" }, fmt.num.format(feed.unacked)),
      el("span", {}, t("feed.unacked"), el("br"),
        feed.oldest_at ? live(feed.oldest_at, "age", "feed.oldest", FEED_WARN_S) : el("span", { class: "muted" }, t("feed.empty")))),
    el("ul", { class: "consumers" }, feed.consumers.length ? feed.consumers.map((c) => el("li", {},
      el("b", {}, c.consumer), " ", t("feed.acked", { seq: fmt.num.format(c.acked_seq) }),
      c.acked_at ? [" · ", live(c.acked_at, "ago")] : null)) : el("li", { class: "muted" }, t("feed.no_consumers"))));
}

function renderRecent(recent) {
  $("recent").replaceChildren(...(recent.length ? recent.map((e) => el("li", {},
    el("span", { class: "time" }, fmt.timeS.format(Date.parse(e.at))),
    el("b", {}, orderNo(e.order_id)),
    el("span", { class: "move" }, `${status(e.from_status)} → `, el("b", { class: `to s-${e.to_status}` }, status(e.to_status))),
    el("span", { class: "muted" }, [e.actor, e.device, e.reason && said(e.reason, t)].filter(Boolean).join(" · ")),
  )) : [none("recent.none")]));
}

// --- the live link ---

function show(ov) {
  arrived = performance.now();
  skew = Date.parse(ov.at) - Date.now();
  last = ov;
  const personal = ov.viewer?.lang || "";
  if (personal !== (sessionStorage.getItem(PERSONAL) || "")) {
    sessionStorage.setItem(PERSONAL, personal);
    const wanted = pickLanguage();
    if (wanted !== lang) { setLanguage(wanted); return; } // renders when the strings are in
  }
  render(ov);
}

function setLink(state) {
  linkState = state;
  $("link").dataset.state = state;
  $("link-text").textContent = t(`link.${state}`);
  $("board").classList.toggle("stale", state === "down");
}

function start() {
  const token = sessionStorage.getItem(TOKEN);
  if (!token) return showLogin();
  if (closeStream) closeStream();
  setLink("connecting");
  $("logout").hidden = false;
  startShift();
  closeStream = openStream("/ui/supervisor/stream", { Authorization: `Bearer ${token}` },
    (name, data) => { if (name === "overview") show(data); },
    (state, code) => {
      if (state !== "unauthorized") return setLink(state);
      closeStream = null;
      sessionStorage.removeItem(TOKEN);
      showLogin(t(code === 403 ? "login.not_allowed" : "login.expired"));
    });
}

async function refetch() {
  const token = sessionStorage.getItem(TOKEN);
  if (!token) return;
  try {
    const r = await fetch("/ui/supervisor/overview", { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
    if (r.ok) show(await r.json());
  } catch { /* the stream reconnects and brings the news */ }
}

// --- logging in and out ---

function showLogin(problem = "") {
  $("login").hidden = false;
  $("logout").hidden = true;
  $("viewer").textContent = "";
  $("login-problem").textContent = problem;
  $("badge").select();
  $("badge").focus();
}

function loginProblem(status, detail) {
  const text = typeof detail === "string" ? detail : "";
  if (text.startsWith("badge:")) return t("login.unknown_badge");
  if (text.startsWith("pin:")) return t("login.wrong_pin");
  return t("login.failed", { detail: text || status });
}

async function login(ev) {
  ev.preventDefault();
  const body = { badge: $("badge").value.trim(), device: "supervisor-screen" };
  if ($("pin").value) body.pin = $("pin").value;
  $("login-submit").disabled = true;
  try {
    const r = await fetch("/api/v1/login", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const d = await r.json().catch(() => ({}));
    if (!r.ok) return showLogin(loginProblem(r.status, d.detail));
    if (d.role !== "supervisor") {
      dropToken(d.token);
      return showLogin(t("login.not_supervisor", { name: d.name, role: t(`role.${d.role}`) }));
    }
    sessionStorage.setItem(TOKEN, d.token);
    $("pin").value = "";
    $("badge").value = "";
    $("login").hidden = true;
    start();
  } catch {
    showLogin(t("login.unreachable"));
  } finally {
    $("login-submit").disabled = false;
  }
}

function dropToken(token) {
  fetch("/ui/supervisor/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
}

function logout() {
  const token = sessionStorage.getItem(TOKEN);
  if (closeStream) closeStream();
  closeStream = null;
  if (token) dropToken(token);
  for (const key of [TOKEN, PERSONAL, PICKED]) sessionStorage.removeItem(key);
  setLink("connecting");
  showLogin();
}

function toast(text) {
  const node = el("div", { class: "toast", role: "status" }, text);
  document.body.append(node);
  setTimeout(() => node.remove(), 4000);
}

// --- language ---

function pickLanguage() {
  return sessionStorage.getItem(PICKED) || chooseLanguage(sessionStorage.getItem(PERSONAL) || undefined);
}

async function setLanguage(code) {
  const [strings] = await Promise.all([loadStrings("supervisor", code), loadServerWords(code)]);
  lang = strings.lang;
  t = strings.t;
  document.documentElement.lang = lang;
  translatePage(document, t);
  $("lang").value = lang;
  fmt = formatters(last?.site.timezone);
  setLink(linkState);
  if (last) render(last);
  redrawShift();
}

async function main() {
  $("lang").replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => el("option", { value: code }, name)));
  $("lang").addEventListener("change", (ev) => {
    localStorage.setItem("edge.lang", ev.target.value);
    sessionStorage.setItem(PICKED, ev.target.value);
    setLanguage(ev.target.value);
  });
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  // The panels (their own modules) borrow the page's helpers; t and fmt change with the language.
  const shared = { get t() { return t; }, get fmt() { return fmt; }, el, live, toast, duration, token: () => sessionStorage.getItem(TOKEN),
    expired: () => { sessionStorage.removeItem(TOKEN); showLogin(t("login.expired")); } };
  for (const setup of [setupStockWork, setupControls, setupHolds, setupExceptions, setupShift]) setup(shared);
  await setLanguage(pickLanguage());
  setInterval(tick, 1000);
  start();
}

main();
