// Starting offline: registers the handheld's service worker (sw.js, served at
// /handheld-sw.js) so the page loads from its kept shell when a reload finds no Wi-Fi.

/** Register the service worker; browsers without one (or on plain HTTP off localhost,
 * where service workers are not allowed) run the page as before, online only at start. */
export async function startOffline() {
  if (!("serviceWorker" in navigator)) return false;
  try {
    await navigator.serviceWorker.register("/handheld-sw.js", { scope: "/handheld" });
    return true;
  } catch (e) {
    return false;
  }
}

// The last screen shown, kept per handheld: a reload out of range shows it (with the queue)
// until the service sends the current one.
const viewKey = (device) => `edge.view.${device}`;

export function keepView(device, view) {
  if (view) localStorage.setItem(viewKey(device), JSON.stringify(view));
  else localStorage.removeItem(viewKey(device));
}

export function keptView(device, badge) {
  try {
    const view = JSON.parse(localStorage.getItem(viewKey(device)) || "null");
    return view && view.badge === badge ? view : null; // only this person's own screen
  } catch {
    return null;
  }
}
