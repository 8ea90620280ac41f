// The small map of the pick list on the stop screen: fetched when the stop changes, its
// stops numbered as the header counts them, its labels readable on a 360 px screen.

const $ = (id) => document.getElementById(id);
const MAP_WAIT_MS = 8000;
let mapKey = ""; // the stop the map on screen is for

/** Show the map for this stop (key) unless it is on screen already; offline keeps the last.
 * headers(): the request's headers; online(): whether to try at all. */
export async function loadMap(key, stopNumber, { headers, online }) {
  if (key === mapKey || !online()) return;
  mapKey = key;
  try {
    const r = await fetch("/ui/handheld/map.svg", { headers: headers(), signal: AbortSignal.timeout(MAP_WAIT_MS) });
    if (r.ok && mapKey === key) {
      $("map").innerHTML = await r.text();
      fitMap($("map").querySelector("svg"), stopNumber);
    }
  } catch (e) { mapKey = ""; /* offline: keep the last map */ }
}

const MAP_MIN_TEXT_PX = 13; // readable at arm's length on a 360 px screen

/** The map numbers its stops from the next one; the header counts the pick list's stops:
 * number the markers as the header does (the next stop is "Stop n"), and draw every label
 * at least MAP_MIN_TEXT_PX on screen, its marker grown with it. */
function fitMap(svg, stopNumber) {
  if (!svg) return;
  const scale = svg.getBoundingClientRect().width / (svg.viewBox.baseVal.width || 1);
  if (!scale) return;
  const minSize = MAP_MIN_TEXT_PX / scale;
  for (const text of svg.querySelectorAll("text")) {
    const marker = text.previousElementSibling?.tagName === "circle" ? text.previousElementSibling : null;
    if (marker && /^\d+$/.test(text.textContent)) text.textContent = String(Number(text.textContent) + stopNumber - 1);
    const size = Number.parseFloat(text.getAttribute("font-size")) || 0;
    if (size >= minSize) continue;
    const grow = minSize / (size || minSize);
    text.setAttribute("font-size", minSize.toFixed(1));
    if (marker) {
      marker.setAttribute("r", (Number.parseFloat(marker.getAttribute("r")) * grow).toFixed(1));
      const cy = Number.parseFloat(marker.getAttribute("cy"));
      text.setAttribute("y", (cy + minSize * 0.35).toFixed(1));
    }
  }
}
