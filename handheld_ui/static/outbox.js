// The handheld's outbox: events waiting to be sent, kept in localStorage per device and person
// so they survive a reload (also one while offline), a crash or a flat battery. Each event is
// sent once, oldest first, and leaves the outbox it was stored in as soon as it is answered.

/** Where one person's events on one device wait. */
export function outboxKey(device, badge) { return `edge.queue.${device}.${badge || ""}`; }

export function loadOutbox(key) {
  try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch { return []; }
}

export function saveOutbox(key, events) { localStorage.setItem(key, JSON.stringify(events)); }

/** The event answered: out of the outbox it was stored in, whoever is on screen by now
 * (the answer to a logout may arrive after the login screen is shown, or after the next
 * person's login: it must not leave the logout behind to be sent again). */
export function removeAnswered(key, id) { saveOutbox(key, loadOutbox(key).filter((e) => e.id !== id)); }

/** An id for an event, made on the device; crypto.randomUUID needs HTTPS, this does not. */
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new event for the outbox: its id, and the device's time of the scan or tap. */
export function queuedEvent(event, offline) {
  return { id: newId(), ...event, at: new Date().toISOString(), offline, t0: performance.now() };
}

/** What goes over the wire: the event and the time it was scanned (not when it is sent). */
export function wireBody(event) {
  const { offline, at, t0, ...body } = event;
  return at ? { ...body, scanned_at: at } : body;
}

/** The service's words for a session that ended, as a key of the page's strings. */
export function sessionEndedKey(detail) {
  return /session expired|no longer logged in|log in again/i.test(detail || "") ? "login.replaced" : null;
}
