// The service's words on the handheld, in the person's language: a refusal from its code and
// details; texts that come without a code (HTTP login answers, hold reasons, generic refusals)
// matched against the service's English and re-said with their values; the English only when
// nothing here knows it. What is on screen is re-said when the language changes.

// Refusal codes with a title of their own (the facts below it say expected / scanned).
const TITLES = {
  wrong_bin: "error.wrong_bin", wrong_item: "error.wrong_item", bin_first: "error.bin_first",
  item_not_bin: "error.item_not_bin", item_first: "error.item_first", too_many: "error.too_many",
  no_stop: "error.no_stop", planning: "error.planning", last_stop: "error.last_stop",
  other_badge: "error.other_badge", invalid: "error.invalid", not_found: "error.not_found",
  contents_first: "error.contents_first", extra_item: "error.extra_item",
  over_return: "error.over_return", unknown_parcel: "error.unknown_parcel",
};

// The service's English sentences (edge/core, edge/web, handheld_ui/handheld.py) and the key
// that says them; named groups are the values the translation repeats.
const TEXTS = [
  [/^badge: unknown badge/, "login.unknown_badge"],
  [/^pin: /, "login.wrong_pin"],
  [/^badge: a supervisor's badge is needed/, "override.not_supervisor"],
  [/^(?:badge: )?(?<name>.+?) is logged in on this scanner; log out first/, "server.logged_in"],
  [/^(?:badge: )?(?<name>.+?) is a picker; this scanner is at pack station (?<station>\S+)/, "server.picker_at_station"],
  [/^(?:badge: )?(?<name>.+?) is a packer; use the scanner at a pack station/, "server.packer_on_floor"],
  [/^session: (?<name>.+?) is no longer logged in on (?<device>\S+); log in again/, "server.session_ended"],
  [/^(?:session|device): .* is not a scanner/, "server.not_a_scanner"],
  [/^(?:badge: )?scan your badge to log in first/, "server.login_first"],
  [/^(?:badge: )?(?:pin: )?no badge is waiting for a PIN/, "server.no_pin_waiting"],
  [/^finish (?:the open|or skip your) pick list first/i, "refused.pick_list_open"],
  [/pack-station scanner packs/i, "refused.pack_station"],
  [/^no order '(?<code>.*)': scan the order code/, "server.no_order"],
  [/^this scanner is not at a pack station/, "server.not_pack_station"],
  [/^order (?<order>\d+) is being packed at (?<station>\S+) by (?<name>.+)$/, "server.in_use"],
  [/^order (?<order>\d+) is (?<status>[a-z ]+), not waiting for packing/, "server.not_packing"],
  [/^order (?<order>\d+) has no picked items to pack/, "server.nothing_picked"],
  [/^no stop is open/, "error.no_stop"],
  [/^unknown product (?<code>\d+)/, "server.unknown_product"],
  [/^no put-away is waiting for (?<name>.+)$/, "server.no_putaway_for"],
  [/^(?<bin>\S+) has no room for (?<name>.+)$/, "server.no_room"],
  [/delivery .*(is )?(already )?closed/i, "refused.delivery_closed"],
  [/^no delivery is open/i, "refused.no_delivery"],
  [/^close is for a delivery/i, "refused.close_not_receiving"],
  [/^finish this (put-away|top-up|count) first/i, "refused.finish_first"],
  [/^nothing is waiting to be put away/i, "refused.nothing_to_put_away"],
  [/^no pick face needs a top-up/i, "refused.no_topup"],
  [/^scan the bin label to put the stock away/i, "refused.putaway_scan_bin"],
  // the returns desk (edge/core/returns.py)
  [/^grade the last unit first/i, "refused.grade_first"],
  [/only a shipped order can come back/i, "refused.not_shipped"],
  [/^(?:this )?return .*(?:is )?(?:already )?closed/i, "refused.return_closed"],
  [/^nothing scanned yet/i, "refused.nothing_scanned"],
  [/^grade every scanned unit/i, "refused.grade_all"],
  [/^grade each unit: a grade button/i, "refused.grade_buttons"],
  [/^scan the unit first, then its grade/i, "refused.scan_unit_first"],
  [/^open a return first/i, "refused.open_return_first"],
  // why an order is held (orders.hold_reason)
  [/^short pick: (?<sku>\S+) line (?<line>\d+) short by (?<short>\d+) \((?<reason>.+)\)$/, "hold.short"],
  [/^weight: parcel (?<n>\d+) expected (?<expected>\d+) g ± (?<tolerance>\d+) g, measured (?<measured>\d+) g/, "pack.measured"],
  // why an order moved (order_events.reason), shown on the supervisor's page
  [/^picked$/, "reason.picked"],
  [/^weight ok$/, "reason.weight_ok"],
  [/^re-weigh$/, "reason.reweigh"],
  [/^stock available$/, "reason.stock_available"],
  [/^not enough stock$/, "reason.not_enough_stock"],
  [/^trip (?<trip>\d+)$/, "reason.trip"],
  [/^handed to (?<carrier>.+)$/, "reason.handed_to"],
  [/^override: (?<text>.+)$/s, "reason.override"],
  [/^pick list released: (?<text>.+)$/s, "reason.list_released"],
];

// A short pick's reason as stored (the picker's choice in English, or the service's own).
const SHORT_REASONS = {
  "bin empty": "short.bin_empty", damaged: "short.damaged", "not found": "short.not_found",
  "wrong item in bin": "short.wrong_item_in_bin", "short at the light module": "hold.light",
  "bin short": "hold.bin_short", "short pick": "hold.bin_short",
};

const STATUSES = ["received", "awaiting stock", "picking", "packing", "ready to ship", "shipped",
  "on hold", "cancelled", "returned", "partly returned"];

function value(name, text, t) {
  if (name === "reason") return SHORT_REASONS[text] ? t(SHORT_REASONS[text]) : text;
  if (name === "status") return STATUSES.includes(text) ? t(`status.${text.replaceAll(" ", "_")}`) : text;
  return text;
}

/** Why a pick was short, as stored (a picker's choice or the service's words), in this language. */
export function shortReason(text, t) {
  return value("reason", text, t);
}

/** A text of the service in this language; its English words when nothing here knows it. */
export function serverText(text, t) {
  const english = (text || "").trim();
  for (const [pattern, key] of TEXTS) {
    const found = english.match(pattern);
    if (!found) continue;
    const params = Object.fromEntries(Object.entries(found.groups || {}).map(([k, v]) => [k, value(k, v, t)]));
    return t(key, params);
  }
  return english.replace(/^(badge|pin|session|device): /, "");
}

/** A refusal's title and words: its code first, the text only for a code without a title. */
export function refusal(error, t) {
  const title = TITLES[error.code];
  return { title: t(title || "error.refused"), text: title ? "" : serverText(error.text, t) };
}

// What each element says, as a function of the language: re-run when the language changes.
const shown = new Map();

/** Put words on an element now, and again in the next language chosen. */
export function say(element, words) {
  shown.set(element, words);
  element.textContent = words();
}

/** The language changed: every element said through say() speaks the new one. */
export function retranslate() {
  for (const [element, words] of shown) element.textContent = words();
}
