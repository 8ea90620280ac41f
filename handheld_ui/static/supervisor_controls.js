// The supervisor's controls: pick lists released or reassigned, orders cancelled or hurried, holds released together, people moved; each behind a confirm sheet with a reason.

let ui = null; // what supervisor.js lends: t, fmt, el, toast, token, expired
let pending = null; // the control the sheet confirms: {url, body(), done(), choice?, priority?}
let controls = null; // the overview's controls, as last drawn
const picked = new Set(); // holds ticked for releasing together (kept across redraws)

const $ = (id) => document.getElementById(id);

/** Wire the sheet and the order field once; ui's members are read at each use (the language changes). */
export function setupControls(shared) {
  ui = shared;
  $("control-form").addEventListener("submit", confirm);
  $("control-cancel").addEventListener("click", () => $("control").close());
  $("holds-release-picked").addEventListener("click", openHolds);
  $("order-cancel").addEventListener("click", () => orderControl("cancel"));
  $("order-priority").addEventListener("click", () => orderControl("priority"));
}

/** Draw the controls from the overview (after supervisor.js drew its panels: the holds get ticks). */
export function renderControls(ov) {
  controls = ov.controls;
  $("panel-controls").hidden = !controls;
  if (!controls) return;
  const { t, el } = ui;
  const n = (x) => ui.fmt.num.format(x);
  $("lists-n").textContent = controls.pick_lists.length ? n(controls.pick_lists.length) : "";
  $("pick-lists").replaceChildren(...(controls.pick_lists.length ? controls.pick_lists.map((p) => el("li", {
    class: "item pick-list", dataset: { trip: p.trip_id, picker: p.picker },
  },
    el("div", { class: "main" }, el("b", {}, t("ctl.list", { id: p.trip_id })), " ",
      el("span", { class: "muted" }, [p.name, p.logged_in ? p.device : t("ctl.logged_out")].join(" · "))),
    el("div", { class: "side" },
      el("button", { type: "button", class: "quiet reassign", onclick: () => openReassign(p) }, t("ctl.reassign")), " ",
      el("button", { type: "button", class: "quiet release-list", onclick: () => openReleaseList(p) }, t("ctl.release"))),
    el("div", { class: "sub" }, [t("ctl.stops", { done: n(p.stops_done), total: n(p.stops_total) }),
      p.orders.map((id) => t("order.id", { id })).join(" ")].join(" · ")),
  )) : [el("li", { class: "none" }, t("ctl.lists.none"))]));
  $("staff").replaceChildren(...controls.staff.map((s) => el("li", {
    class: `item staff ${s.role}`, dataset: { badge: s.badge, role: s.role },
  },
    el("div", { class: "main" }, el("b", {}, s.name), " ",
      el("span", { class: "muted" }, [t(`role.${s.role}`), s.role !== s.described_role ? t("ctl.moved") : "", s.device].filter(Boolean).join(" · "))),
    el("div", { class: "side" }, el("button", { type: "button", class: "quiet move", onclick: () => openMove(s) },
      t(s.role === "picker" ? "ctl.to_packer" : "ctl.to_picker"))),
  )));
  $("actions").replaceChildren(...(controls.actions.length ? controls.actions.map((a) => el("li", { dataset: { action: a.action } },
    el("span", { class: "time" }, ui.fmt.timeS.format(Date.parse(a.at))),
    el("b", {}, t(`ctl.action.${a.action}`)), " ", el("span", {}, a.target), " ",
    el("span", { class: "muted" }, [a.actor_name, a.device, a.reason].join(" · ")),
  )) : [el("li", { class: "none" }, t("ctl.actions.none"))]));
  tickHolds();
}

/** A tick on every hold listed, to release several with one reason. */
function tickHolds() {
  const { t, el } = ui;
  const shown = new Set();
  for (const item of document.querySelectorAll("#holds .hold")) {
    const id = Number(item.dataset.order);
    shown.add(id);
    if (item.querySelector("input.pick")) continue;
    const box = el("input", { type: "checkbox", class: "pick", "aria-label": t("ctl.holds.pick", { id }) });
    box.checked = picked.has(id);
    box.addEventListener("change", () => { if (box.checked) picked.add(id); else picked.delete(id); countPicked(); });
    item.querySelector(".main")?.prepend(box);
  }
  for (const id of [...picked]) if (!shown.has(id)) picked.delete(id); // released or gone
  countPicked();
}

function countPicked() {
  const button = $("holds-release-picked");
  button.hidden = picked.size === 0;
  button.textContent = ui.t("ctl.holds.release", { n: ui.fmt.num.format(picked.size) });
}

// --- the sheet ---

function openSheet(spec) {
  const { el } = ui;
  pending = spec;
  $("control-title").textContent = spec.title;
  $("control-what").textContent = spec.what;
  const choice = $("control-choice");
  choice.hidden = !spec.choices;
  choice.replaceChildren(...(spec.choices || []).map(([value, label]) => el("option", { value }, label)));
  $("control-priority").hidden = !spec.priority;
  $("control-priority").value = spec.priority || "";
  $("control-reason").value = "";
  $("control-problem").textContent = spec.problem || "";
  $("control-confirm").disabled = Boolean(spec.problem);
  $("control-confirm").textContent = spec.confirm;
  $("control").showModal();
  $("control-reason").focus();
}

async function confirm(ev) {
  ev.preventDefault();
  const { t } = ui;
  const reason = $("control-reason").value.trim();
  if (!reason) { $("control-problem").textContent = t("release.need_reason"); return; }
  const spec = pending;
  $("control-confirm").disabled = true;
  try {
    const r = await fetch(spec.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${ui.token()}` },
      body: JSON.stringify({ ...spec.body(), reason }),
    });
    if (r.status === 401) { $("control").close(); return ui.expired(); }
    const d = await r.json().catch(() => ({}));
    if (!r.ok) { $("control-problem").textContent = t("ctl.failed", { detail: typeof d.detail === "string" ? d.detail : r.status }); return; }
    $("control").close();
    spec.done?.(d);
    // The stream brings the floor as it is now; the toast says what was done.
    ui.toast(t("ctl.done", { what: spec.title }));
  } catch {
    $("control-problem").textContent = t("login.unreachable");
  } finally {
    $("control-confirm").disabled = false;
  }
}

// --- the controls ---

function openReleaseList(p) {
  const { t } = ui;
  openSheet({
    title: t("ctl.release_list.title", { id: p.trip_id, name: p.name }),
    what: t("ctl.release_list.what"),
    confirm: t("ctl.release"),
    url: `/api/v1/trips/${p.trip_id}/release`,
    body: () => ({}),
  });
}

function openReassign(p) {
  const { t } = ui;
  const free = controls.free_pickers.filter((f) => f.badge !== p.picker);
  openSheet({
    title: t("ctl.reassign.title", { id: p.trip_id, name: p.name }),
    what: t("ctl.reassign.what"),
    confirm: t("ctl.reassign"),
    choices: free.map((f) => [f.badge, `${f.name} · ${f.device}`]),
    problem: free.length ? "" : t("ctl.reassign.nobody"),
    url: `/api/v1/trips/${p.trip_id}/reassign`,
    body: () => ({ to_badge: $("control-choice").value }),
  });
}

function openMove(s) {
  const { t } = ui;
  const role = s.role === "picker" ? "packer" : "picker";
  openSheet({
    title: t("ctl.move.title", { name: s.name, role: t(`role.${role}`) }),
    what: t("ctl.move.what"),
    confirm: t(role === "packer" ? "ctl.to_packer" : "ctl.to_picker"),
    url: `/api/v1/staff/${encodeURIComponent(s.badge)}/role`,
    body: () => ({ role }),
  });
}

function openHolds() {
  const { t } = ui;
  const ids = [...picked].sort((a, b) => a - b);
  openSheet({
    title: t("ctl.holds.title", { n: ui.fmt.num.format(ids.length) }),
    what: ids.map((id) => t("order.id", { id })).join(" "),
    confirm: t("ctl.holds.confirm"),
    url: "/api/v1/holds/release",
    body: () => ({ order_ids: ids }),
    done: () => { picked.clear(); countPicked(); },
  });
}

function orderControl(kind) {
  const { t } = ui;
  const id = Number($("order-id").value.trim().replace(/^(ORD-|#)/i, ""));
  if (!Number.isInteger(id) || id < 1) { $("order-problem").textContent = t("ctl.order.bad"); return; }
  $("order-problem").textContent = "";
  openSheet(kind === "cancel" ? {
    title: t("ctl.cancel.title", { id }),
    what: t("ctl.cancel.what"),
    confirm: t("ctl.cancel"),
    url: `/api/v1/orders/${id}/cancel`,
    body: () => ({}),
  } : {
    title: t("ctl.priority.title", { id }),
    what: t("ctl.priority.what"),
    confirm: t("ctl.priority"),
    priority: 5,
    url: `/api/v1/orders/${id}/priority`,
    body: () => ({ priority: Number($("control-priority").value) }),
  });
}
