// The shipping label at the pack station: a preview of the label just made, what the printer
// said, and Reprint. A failed print fills the screen in the error red until the packer
// answers it (Reprint, or OK to deal with it later): never silent. packing.js calls render.

const $ = (id) => document.getElementById(id);
// Stored with the reprint (label_prints.reason): where it was asked for.
const REPRINT_REASON = "Reprint pressed on the packer's screen";

const MARKUP = {
  panel: `<div id="label-panel" class="label-panel" hidden>
    <img id="label-preview" class="label-preview" alt="">
    <div class="label-state"><b id="label-state"></b><small id="label-numbers"></small></div>
    <button id="label-reprint" class="secondary label-reprint"></button>
  </div>`,
  alarm: `<div id="label-alarm" class="overlay error" role="alertdialog" aria-modal="true"
    aria-labelledby="label-alarm-title" hidden>
    <div class="error-mark" aria-hidden="true">✖</div>
    <h2 id="label-alarm-title"></h2>
    <p id="label-alarm-text"></p>
    <button id="label-alarm-reprint" class="huge"></button>
    <button id="label-alarm-ok" class="ghost"></button>
  </div>`,
};

let app = null; // the handheld's {state, feedback}
let shownParcel = null; // the parcel whose preview is on screen
let previewUrl = null; // its object URL (revoked when another replaces it)
let alarmed = ""; // the failed print already raised: "parcel:prints"
let current = null; // the label on screen: {parcel_id, n, label}

/** The newest labelled parcel of the view: the open order's, else the last order's. */
function newestLabel(v) {
  const parcels = [...(v.parcels || []), ...((v.last && v.last.parcels) || [])];
  const labelled = parcels.filter((p) => p.label);
  return labelled.length ? labelled.reduce((a, b) => (b.parcel_id > a.parcel_id ? b : a)) : null;
}

function ensureMarkup() {
  if ($("label-panel")) return;
  $("pack-title").insertAdjacentHTML("beforebegin", MARKUP.panel);
  document.body.insertAdjacentHTML("beforeend", MARKUP.alarm);
  $("label-reprint").addEventListener("click", reprint);
  $("label-alarm-reprint").addEventListener("click", (e) => { if (e.detail !== 0) reprint(); });
  $("label-alarm-ok").addEventListener("click", (e) => { if (e.detail !== 0) closeAlarm(); });
}

function headers() {
  return { "Content-Type": "application/json", Authorization: `Bearer ${app.state.auth.token}` };
}

async function showPreview(parcelId, url) {
  if (shownParcel === parcelId) return;
  shownParcel = parcelId;
  try {
    const r = await fetch(url, { headers: headers() });
    if (!r.ok || shownParcel !== parcelId) return;
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(await r.blob());
    $("label-preview").src = previewUrl;
  } catch (_) {
    shownParcel = null; // offline: the next view tries again
  }
}

function closeAlarm() {
  $("label-alarm").hidden = true;
  // Only the alarm's own mark: a refusal on the error screen keeps its own.
  if (document.body.dataset.error === "label_failed") delete document.body.dataset.error;
}

async function reprint() {
  if (!current) return;
  const t = app.state.t;
  closeAlarm();
  $("label-state").textContent = t("label.reprinting");
  $("label-reprint").disabled = true;
  try {
    const r = await fetch(`/api/v1/parcels/${current.parcel_id}/reprint`, {
      method: "POST", headers: headers(), body: JSON.stringify({ reason: REPRINT_REASON }),
    });
    if (!r.ok) $("label-state").textContent = t("label.reprint_failed");
  } catch (_) {
    $("label-state").textContent = t("label.reprint_failed");
  } finally {
    $("label-reprint").disabled = false;
  }
}

/** The label panel (and the alarm of a failed print) for a pack-station view. */
export function render(v, handle) {
  app = handle;
  ensureMarkup();
  const t = app.state.t;
  const parcel = newestLabel(v);
  $("label-panel").hidden = !parcel;
  current = parcel;
  if (!parcel) { closeAlarm(); return; }
  const label = parcel.label;
  showPreview(parcel.parcel_id, label.preview);
  $("label-preview").alt = t("label.preview", { n: parcel.n });
  const state = label.failed ? "failed" : label.print === "printed" ? "printed" : "sending";
  $("label-panel").dataset.print = state;
  $("label-state").textContent = t(`label.${state}`, { n: parcel.n });
  $("label-numbers").textContent = label.tracking || label.sscc;
  $("label-reprint").textContent = t("label.reprint");
  const key = `${parcel.parcel_id}:${label.prints}`;
  if (!label.failed) { if (alarmed.startsWith(`${parcel.parcel_id}:`)) closeAlarm(); return; }
  if (alarmed === key) return;
  alarmed = key;
  $("label-alarm-title").textContent = t("label.failed", { n: parcel.n });
  $("label-alarm-text").textContent = t("label.failed_text", {
    printer: label.printer, result: t(`label.result_${label.print}`),
  });
  $("label-alarm-reprint").textContent = t("label.reprint");
  $("label-alarm-ok").textContent = t("label.later");
  $("label-alarm").hidden = false;
  document.body.dataset.error = "label_failed";
  app.feedback("bad");
}
