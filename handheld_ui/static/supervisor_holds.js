// The supervisor's holds: the orders on hold with their parcels and reasons (in the page's language), and releasing one with a reason.
import { said } from "/static/supervisor_words.js";

let ui = null; // what supervisor.js lends: t, fmt, el, live, toast, token, expired
let releasing = null; // the hold the release sheet is open for

const $ = (id) => document.getElementById(id);

/** Wire the release sheet once; ui's members are read at each use (the language changes). */
export function setupHolds(shared) {
  ui = shared;
  $("release-form").addEventListener("submit", release);
  $("release-cancel").addEventListener("click", () => $("release").close());
}

/** The newest holds (the overview lists some): how many of how many, and each one's why. */
export function renderHolds(holds, total) {
  const { t, el, fmt, live } = ui;
  $("holds-n").textContent = total ? fmt.num.format(total) : "";
  const more = total > holds.length ? [el("li", { class: "none more", id: "holds-more" }, t("holds.more", { shown: holds.length, total }))] : [];
  $("holds").replaceChildren(...(holds.length ? holds.map((h) => el("li", { class: "item hold", dataset: { order: h.order_id } },
    el("div", { class: "main" }, el("b", {}, t("order.id", { id: h.order_id })), " ", el("span", { class: "muted" }, h.shop_order_id),
      " ", h.since ? el("span", { class: "muted small" }, "· ", live(h.since, "ago")) : null),
    el("div", { class: "side" }, el("button", { type: "button", class: "release", onclick: () => openRelease(h) }, t("holds.release"))),
    // A weight mismatch says it all in its parcels (translated); any other hold in its reason.
    h.parcels.length ? h.parcels.map(parcel) : el("div", { class: "sub reason" }, h.reason ? said(h.reason, t) : t("holds.no_reason")),
  )).concat(more) : [el("li", { class: "none" }, t("holds.none"))]));
}

function parcel(p) {
  const { t, el, fmt } = ui;
  const measured = p.measured_g == null ? "—" : fmt.grams.format(p.measured_g);
  return el("div", { class: "parcel" },
    el("div", {}, el("span", { class: "muted" }, t("holds.parcel", { n: p.n, box: p.box_type })), " ",
      el("b", {}, t("holds.weighed", { measured })), " ",
      p.measured_g == null ? null : el("b", { class: "diff" }, fmt.diff.format(p.measured_g - p.expected_g))),
    el("div", { class: "muted" }, [t("holds.expected", {
      expected: fmt.grams.format(p.expected_g), tolerance: fmt.grams.format(p.tolerance_g),
    }), p.station, p.packer_name || p.packer].filter(Boolean).join(" · ")));
}

/** The release sheet for one order on hold ({order_id, reason}); also the exceptions queue's. */
export function openRelease(hold) {
  const { t } = ui;
  releasing = hold;
  $("release-title").textContent = t("release.title", { id: hold.order_id });
  $("release-what").textContent = hold.reason ? said(hold.reason, t) : "";
  $("release-reason").value = "";
  $("release-problem").textContent = "";
  $("release").showModal();
  $("release-reason").focus();
}

async function release(ev) {
  ev.preventDefault();
  const { t } = ui;
  const reason = $("release-reason").value.trim();
  if (!reason) { $("release-problem").textContent = t("release.need_reason"); return; }
  const id = releasing.order_id;
  try {
    const r = await fetch(`/api/v1/orders/${id}/override`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${ui.token()}` },
      body: JSON.stringify({ reason }),
    });
    if (r.status === 401) { $("release").close(); return ui.expired(); }
    const d = await r.json().catch(() => ({}));
    if (!r.ok) { $("release-problem").textContent = t("release.failed", { detail: typeof d.detail === "string" ? d.detail : r.status }); return; }
    $("release").close();
    ui.toast(t("release.done", { id, status: t(`status.${d.status}`) }));
  } catch {
    $("release-problem").textContent = t("login.unreachable");
  }
}
