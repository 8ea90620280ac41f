// The handheld's work-mode menu and its sheets for numbers and yes/no questions: built here,
// shown over the stock-flow screens (stockflows.js), and everything sent as queued events.

const $ = (id) => document.getElementById(id);

// Line icons drawn here (an emoji font is not on every handheld): 24×24, the text's colour.
const ICON_PATHS = {
  pick: "M3 4h2l2.4 10.5h10.8L20 7H6.2M9 19.5h.01M17 19.5h.01",
  receive: "M12 3v10M7.5 8.5 12 13l4.5-4.5M3 14v6h18v-6h-5l-1.5 2h-5L8 14z",
  putaway: "M3 21h18M4 3v18M20 3v18M8 12h8v5H8zM12 3v5M10 6l2 2 2-2",
  replenish: "M19.5 10A8 8 0 0 0 5.6 6.4M4.5 14a8 8 0 0 0 13.9 3.6M5 2.5v4h4M19 21.5v-4h-4",
  count: "M9.5 3 7.5 21M16.5 3l-2 18M4 8.5h16.5M3.5 15.5H20",
  return: "M9 14 4 9l5-5M4 9h10.5a5.5 5.5 0 0 1 0 11H11",
};

/** A work mode's icon as an inline SVG element. */
export function modeIcon(mode) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon-svg");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICON_PATHS[mode] || "M4 6h16M4 12h16M4 18h16");
  svg.append(path);
  return svg;
}

// A number this long is a barcode typed by the scanner into the number field, not a quantity.
const MAX_DIGITS = 7;

const MARKUP = `
<div id="mode-sheet" class="overlay sheet" role="dialog" aria-modal="true" hidden>
  <h2 data-i18n="mode.title">What are you doing now?</h2>
  <div id="mode-list" class="choices mode-list"></div>
  <div class="row"><button id="mode-cancel" class="ghost" data-i18n="common.cancel">Cancel</button></div>
</div>
<div id="qty-sheet" class="overlay sheet" role="dialog" aria-modal="true" hidden>
  <h2 id="qty-title"></h2>
  <p id="qty-hint"></p>
  <div class="qty-entry"><input id="qty-input" inputmode="none" autocomplete="off" maxlength="14"
       data-i18n-label="qty.label"></div>
  <div id="qty-keys" class="keypad"></div>
  <div class="row">
    <button id="qty-cancel" class="ghost" data-i18n="common.cancel">Cancel</button>
    <button id="qty-ok" class="primary" data-i18n="qty.ok">OK</button>
  </div>
</div>
<div id="ask-sheet" class="overlay sheet" role="dialog" aria-modal="true" hidden>
  <h2 id="ask-title"></h2>
  <p id="ask-text"></p>
  <div class="row">
    <button id="ask-cancel" class="ghost" data-i18n="common.cancel">Cancel</button>
    <button id="ask-ok" class="primary"></button>
  </div>
</div>`;

let app = null; // {send, t, feedback, refocus} from handheld.js
let qtyAsk = null; // {max, onOk, key}
let askAsk = null; // {onOk, key}

/** Build the menu button (in the top bar) and the sheets; once, at start. */
export function setupSheets(handle) {
  app = handle;
  document.body.insertAdjacentHTML("beforeend", MARKUP);
  const menu = document.createElement("button");
  menu.id = "mode";
  menu.className = "ghost small mode-button";
  menu.hidden = true;
  menu.dataset.i18nLabel = "mode.menu";
  menu.addEventListener("click", openModes);
  $("bar").insertBefore(menu, $("logout"));
  $("mode-cancel").addEventListener("click", () => closeSheet("mode-sheet"));
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "C"];
  $("qty-keys").replaceChildren(...keys.map((k) => {
    const b = document.createElement("button");
    b.className = "secondary";
    b.textContent = k;
    b.dataset.key = k;
    b.addEventListener("click", () => typeKey(k));
    return b;
  }));
  $("qty-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); qtyOk(); }
  });
  $("qty-input").addEventListener("input", renderQty);
  $("qty-ok").addEventListener("click", qtyOk);
  $("qty-cancel").addEventListener("click", () => closeSheet("qty-sheet"));
  $("ask-cancel").addEventListener("click", () => closeSheet("ask-sheet"));
  $("ask-ok").addEventListener("click", () => {
    const ask = askAsk;
    closeSheet("ask-sheet");
    ask?.onOk();
  });
}

export function sheetOpen() {
  return ["mode-sheet", "qty-sheet", "ask-sheet"].some((id) => $(id) && !$(id).hidden);
}

function closeSheet(id) {
  $(id).hidden = true;
  if (id === "qty-sheet") qtyAsk = null;
  if (id === "ask-sheet") askAsk = null;
  app.refocus();
}

/** A sheet opened for one screen closes when the view moves on (another screen or step). */
export function closeStale(key) {
  if (qtyAsk && qtyAsk.key !== key) closeSheet("qty-sheet");
  if (askAsk && askAsk.key !== key) closeSheet("ask-sheet");
}

// --- the work-mode menu -------------------------------------------------------------------

let lastView = null;

/** The bar's menu button: for a person who may switch work (a picker, not a packer). */
export function renderMenu(view) {
  lastView = view;
  const button = $("mode");
  const modes = view?.modes || [];
  button.hidden = modes.length === 0;
  if (!view) closeStale(null); // logged out: no number or question stays over the login
  if (button.hidden) { $("mode-sheet").hidden = true; return; }
  button.replaceChildren(modeIcon(view.mode), "▾");
  button.title = app.t()(`mode.${view.mode}`);
  button.dataset.mode = view.mode;
  if (!$("mode-sheet").hidden) renderModeList();
}

function openModes() {
  if (!lastView?.modes?.length) return;
  renderModeList();
  $("mode-sheet").hidden = false;
}

function renderModeList() {
  const t = app.t();
  $("mode-list").replaceChildren(...lastView.modes.map((mode) => {
    const b = document.createElement("button");
    b.className = mode === lastView.mode ? "primary" : "secondary";
    b.dataset.mode = mode;
    b.setAttribute("aria-pressed", String(mode === lastView.mode));
    const icon = modeIcon(mode);
    icon.classList.add("mode-icon");
    const text = document.createElement("span");
    text.textContent = t(`mode.${mode}`);
    const hint = document.createElement("small");
    hint.textContent = t(`mode.${mode}_hint`);
    text.append(hint);
    b.append(icon, text);
    b.addEventListener("click", () => {
      $("mode-sheet").hidden = true;
      // Through the queue like a scan: sent once, in order, also after a spell offline.
      app.send({ type: "mode", mode });
      app.refocus();
    });
    return b;
  }));
}

// --- a number: tapped on the keypad (gloves) or typed --------------------------------------

/** Ask for a number: {title, hint, initial, max, key, onOk(n)}; key ties it to one screen. */
export function askQty({ title, hint = "", initial = 0, max = 1_000_000, key, onOk }) {
  qtyAsk = { max, onOk, key };
  $("qty-title").textContent = title;
  $("qty-hint").textContent = hint;
  $("qty-input").value = String(initial);
  $("qty-input").dataset.fresh = "1"; // the first key replaces the proposed number
  $("qty-sheet").hidden = false;
  renderQty();
  $("qty-input").focus({ preventScroll: true });
}

function typeKey(k) {
  const input = $("qty-input");
  if (k === "C") input.value = "";
  else if (k === "⌫") input.value = input.value.slice(0, -1);
  else input.value = input.dataset.fresh ? k : (input.value + k).replace(/^0+(?=\d)/, "");
  delete input.dataset.fresh;
  renderQty();
  input.focus({ preventScroll: true });
}

function qtyValue() {
  const text = $("qty-input").value.trim();
  return /^\d{1,7}$/.test(text) ? Number(text) : null;
}

function renderQty() {
  if (!qtyAsk) return;
  const n = qtyValue();
  $("qty-ok").disabled = n === null || n > qtyAsk.max;
}

function qtyOk() {
  const ask = qtyAsk;
  if (!ask) return;
  const text = $("qty-input").value.trim();
  if (text.length > MAX_DIGITS || /\D/.test(text)) {
    // A scanner fired while the sheet was open: that was a scan, not a number.
    closeSheet("qty-sheet");
    if (text) app.send({ type: "scan", code: text });
    return;
  }
  const n = qtyValue();
  if (n === null || n > ask.max) { app.feedback("bad"); return; }
  closeSheet("qty-sheet");
  ask.onOk(n);
}

// --- yes or no (closing a delivery cannot be undone) ---------------------------------------

export function askYes({ title, text, ok, key, onOk }) {
  askAsk = { onOk, key };
  $("ask-title").textContent = title;
  $("ask-text").textContent = text;
  $("ask-ok").textContent = ok;
  $("ask-sheet").hidden = false;
}
