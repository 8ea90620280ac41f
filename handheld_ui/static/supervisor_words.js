// The service's words on the supervisor page, in the supervisor's language: the handheld's
// patterns (messages.js) and its translations of them, with the supervisor's own strings first.
import { loadStrings } from "/static/i18n.js";
import { serverText, shortReason as reasonOf } from "/static/messages.js";

let handheld = (key) => key; // the handheld's strings: hold reasons, short reasons, statuses

/** Load the handheld's strings of this language (the one source of the server's words). */
export async function loadServerWords(lang) {
  handheld = (await loadStrings("handheld", lang)).t;
}

/** A text of the service (an order event's or a hold's reason) in the page's language. */
export function said(text, t) {
  return serverText(text, either(t));
}

// The page's own string for a key, else the handheld's.
const either = (t) => (key, params) => {
  const own = t(key, params);
  return own === key ? handheld(key, params) : own;
};

/** Why a pick was short (a picker's choice or the service's words) in the page's language. */
export function shortReason(text, t) {
  return reasonOf(text, either(t));
}
