// The setup screen: which handheld this device is, chosen once and remembered; the login
// screen's "Change handheld" brings it back.

const $ = (id) => document.getElementById(id);

let app = null; // {state, render}: the handheld's state (device, t) and how it redraws

/** Keep the handheld's state; wire "Change handheld". */
export function setup(handle) {
  app = handle;
  $("change-device").addEventListener("click", () => {
    localStorage.removeItem("edge.device");
    app.state.device = null;
    app.render();
  });
}

export async function renderSetup() {
  const { state } = app;
  document.body.dataset.screen = "setup";
  let scanners = [];
  try { scanners = (await (await fetch("/ui/handheld/devices")).json()).scanners; } catch (e) { return; }
  // Only the handhelds that are this page (transport http); an MQTT scanner is a device of its
  // own, and a page claiming its id would fight it. A site without any offers them all.
  if (scanners.some((d) => d.transport === "http")) scanners = scanners.filter((d) => d.transport === "http");
  $("device-list").replaceChildren(...scanners.map((d) => {
    const b = document.createElement("button");
    b.className = d.transport === "http" ? "primary" : "secondary";
    b.textContent = d.id;
    const small = document.createElement("small");
    small.textContent = d.station ? state.t("setup.station", { station: d.station }) : state.t("setup.picking");
    b.append(small);
    b.addEventListener("click", () => {
      state.device = d.id;
      localStorage.setItem("edge.device", d.id);
      app.render();
    });
    return b;
  }));
}
