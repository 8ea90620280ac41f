// Translations for the pages: one JSON file per page and language under /static/i18n/,
// chosen per user (their staff entry, or the picker on screen) or by the browser's language.

export const LANGUAGES = { en: "English", ko: "한국어", nl: "Nederlands", ru: "Русский", ja: "日本語" };

/** The language to use: the person's own, the one chosen on this device, else the browser's. */
export function chooseLanguage(personal) {
  const wanted = [personal, localStorage.getItem("edge.lang"), ...(navigator.languages || [navigator.language])];
  for (const tag of wanted) {
    const base = (tag || "").toLowerCase().split("-")[0];
    if (base in LANGUAGES) return base;
  }
  return "en";
}

/** Strings of one page in one language, English filling any gap; t(key, {name: value}). */
export async function loadStrings(page, lang) {
  const fetchJson = async (l) => {
    const r = await fetch(`/static/i18n/${page}.${l}.json`);
    return r.ok ? r.json() : {};
  };
  const english = await fetchJson("en");
  const local = lang === "en" ? {} : await fetchJson(lang);
  const strings = { ...english, ...local };
  const t = (key, params = {}) =>
    (strings[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
  return { lang, t };
}

/** Fill every element marked data-i18n="key" (text) or data-i18n-placeholder="key". */
export function translatePage(root, t) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
}
