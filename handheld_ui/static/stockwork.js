// The supervisor's "Stock work" panel: deliveries arriving, put-away and top-up queues, and the counts waiting for a decision.

let ui = null; // what supervisor.js lends: t, fmt, el, live, token, toast, expired
let deciding = null; // {count, approve} while the dialog is open

const $ = (id) => document.getElementById(id);

/** Wire the decision dialog once; ui's members are read at each use (the language changes). */
export function setupStockWork(shared) {
  ui = shared;
  $("decide-form").addEventListener("submit", decide);
  $("decide-cancel").addEventListener("click", () => $("decide").close());
}

/** Draw the panel from the overview's stock_work (absent from an older service: hidden). */
export function renderStockWork(sw) {
  $("panel-stock").hidden = !sw;
  if (!sw) return;
  const { t, fmt, el } = ui;
  const n = (x) => fmt.num.format(x ?? 0);
  $("stock-n").textContent = sw.approval.waiting ? n(sw.approval.waiting) : "";
  const none = (key) => el("li", { class: "none" }, t(key));
  const more = (shown, total) => (total > shown ? [el("li", { class: "none more" }, t("stock.more", { shown: n(shown), total: n(total) }))] : []);
  $("stock-summary").replaceChildren(
    ...[["deliveries", sw.deliveries.open], ["putaway", sw.putaway.open], ["replen", sw.replenishment.open],
      ["counting", sw.counts_open], ["approval", sw.approval.waiting]].map(([key, value]) => el("div", {
      class: `stat${value ? "" : " zero"}`, dataset: { stat: key },
    }, el("b", {}, n(value)), el("span", {}, t(`stock.stat.${key}`)))));
  $("stock-approval").replaceChildren(...(sw.approval.list.length
    ? sw.approval.list.map(approvalItem).concat(more(sw.approval.list.length, sw.approval.waiting))
    : [none("stock.approval.none")]));
  $("stock-deliveries").replaceChildren(...(sw.deliveries.list.length ? sw.deliveries.list.map((d) => el("li", {
    class: "item delivery", dataset: { delivery: d.delivery_id },
  },
    el("div", { class: "main" }, el("b", {}, d.delivery_id), " ", el("span", { class: "muted" }, d.supplier)),
    el("div", { class: "side" }, t("stock.delivery.units", { received: n(d.received_units), expected: n(d.expected_units) })),
    el("div", { class: "sub" }, t(`stock.delivery.${d.status}`)),
  )).concat(more(sw.deliveries.list.length, sw.deliveries.open)) : [none("stock.deliveries.none")]));
  $("stock-putaway-oldest").replaceChildren(sw.putaway.oldest_at ? ui.live(sw.putaway.oldest_at, "age", "stock.putaway.oldest") : "");
  $("stock-putaway").replaceChildren(...(sw.putaway.list.length ? sw.putaway.list.map((p) => el("li", {
    class: "item putaway", dataset: { task: p.task_id },
  },
    el("div", { class: "main" }, el("b", {}, `${n(p.qty)} × ${p.name}`), " ", el("span", { class: "muted" }, p.sku)),
    el("div", { class: "side" }, p.suggested_bin ? `→ ${p.suggested_bin}` : ""),
    p.assigned_device ? el("div", { class: "sub" }, t("stock.taken", { device: p.assigned_device })) : null,
  )).concat(more(sw.putaway.list.length, sw.putaway.open)) : [none("stock.putaway.none")]));
  $("stock-replen").replaceChildren(...(sw.replenishment.list.length ? sw.replenishment.list.map((r) => el("li", {
    class: `item replen${r.priority ? " urgent" : ""}`, dataset: { task: r.task_id },
  },
    el("div", { class: "main" }, el("b", {}, `${n(r.qty)} × ${r.name}`), " ", el("span", { class: "muted" }, `${r.from_bin} → ${r.to_bin}`)),
    el("div", { class: "side priority" }, r.priority ? t("stock.replen.waiting", { n: n(r.priority) }) : ""),
    r.assigned_device ? el("div", { class: "sub" }, t("stock.taken", { device: r.assigned_device })) : null,
  )).concat(more(sw.replenishment.list.length, sw.replenishment.open)) : [none("stock.replen.none")]));
}

function approvalItem(c) {
  const { t, fmt, el } = ui;
  const signed = new Intl.NumberFormat(fmt.num.resolvedOptions().locale, { signDisplay: "exceptZero" });
  const fact = (cls, key, value, who) => el("span", { class: `fact ${cls}` }, el("span", { class: "muted" }, t(key)), " ",
    el("b", {}, value), who ? el("span", { class: "muted" }, ` (${who})`) : null);
  return el("li", { class: "item count", dataset: { count: c.count_id } },
    el("div", { class: "main" }, el("b", {}, c.bin), " ", el("span", { class: "muted" }, `${c.name} · ${c.sku}`)),
    el("div", { class: "side" },
      el("button", { type: "button", class: "approve", onclick: () => openDecision(c, true) }, t("stock.approve")), " ",
      el("button", { type: "button", class: "quiet reject", onclick: () => openDecision(c, false) }, t("stock.reject"))),
    el("div", { class: "sub facts" },
      fact("first", "stock.count.first", fmt.num.format(c.first_count), c.first_by),
      fact("second", "stock.count.second", c.second_count == null ? "—" : fmt.num.format(c.second_count), c.second_by),
      fact("expected", "stock.count.expected", fmt.num.format(c.second_expected ?? c.first_expected)),
      fact("difference", "stock.count.difference", c.difference == null ? "—" : signed.format(c.difference)),
      c.moved_during ? el("span", { class: "fact moved" }, t("stock.count.moved")) : null));
}

function openDecision(count, approve) {
  const { t } = ui;
  deciding = { count, approve };
  $("decide-title").textContent = t(approve ? "stock.decide.approve_title" : "stock.decide.reject_title", { id: count.count_id });
  $("decide-what").textContent = t(approve ? "stock.decide.approve_what" : "stock.decide.reject_what", {
    bin: count.bin, name: count.name, difference: count.difference,
  });
  $("decide-confirm").textContent = t(approve ? "stock.approve" : "stock.reject");
  $("decide-reason").value = "";
  $("decide-problem").textContent = "";
  $("decide").showModal();
  $("decide-reason").focus();
}

async function decide(ev) {
  ev.preventDefault();
  const { t } = ui;
  const reason = $("decide-reason").value.trim();
  if (!reason) { $("decide-problem").textContent = t("release.need_reason"); return; }
  const { count, approve } = deciding;
  $("decide-confirm").disabled = true;
  try {
    const r = await fetch(`/api/v1/counts/${count.count_id}/${approve ? "approve" : "reject"}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${ui.token()}` },
      body: JSON.stringify({ reason }),
    });
    if (r.status === 401) { $("decide").close(); return ui.expired(); }
    const d = await r.json().catch(() => ({}));
    if (!r.ok) { $("decide-problem").textContent = t("stock.decide.failed", { detail: typeof d.detail === "string" ? d.detail : r.status }); return; }
    $("decide").close();
    // The stream brings the new overview (the count leaves the list); the toast says what happened.
    ui.toast(t(approve ? "stock.decide.approved" : "stock.decide.rejected", { id: count.count_id, bin: count.bin }));
  } catch {
    $("decide-problem").textContent = t("login.unreachable");
  } finally {
    $("decide-confirm").disabled = false;
  }
}
