// The picker's own pick-to-light colour on screen: the "Light on" pills and a swatch in the
// header in the colour the service lights this person's bins in, with the colour's name, so
// a picker at a shelf lit for several people knows which bins are theirs.

const $ = (id) => document.getElementById(id);

/** A colour's name (a key of the page's strings) from its hue, saturation and lightness. */
export function colourKey(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
  if (!m) return "colour.white";
  const [r, g, b] = m.slice(1).map((h) => Number.parseInt(h, 16) / 255);
  const max = Math.max(r, g, b), min = Math.min(r, g, b), light = (max + min) / 2, d = max - min;
  if (d < 0.12) return light > 0.6 ? "colour.white" : "colour.grey";
  let hue = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  hue = (hue * 60 + 360) % 360;
  const names = [[15, "red"], [45, "orange"], [70, "yellow"], [165, "green"], [200, "cyan"],
    [250, "blue"], [290, "purple"], [335, "pink"], [361, "red"]];
  return `colour.${names.find(([upTo]) => hue < upTo)[1]}`;
}

/** Black or white text, whichever reads on the colour (WCAG relative luminance). */
function inkOn(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
  if (!m) return "#000";
  const lin = m.slice(1).map((h) => { const c = Number.parseInt(h, 16) / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
  const lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  return lum > 0.179 ? "#000" : "#fff";
}

/** Show the colour of view.light_color (none: the swatch goes). t: the page's strings. */
export function showLightColour(view, t) {
  const colour = view?.light_color;
  const swatch = $("light-colour");
  if (!colour) { swatch.hidden = true; return; }
  const name = t(colourKey(colour));
  swatch.hidden = false;
  swatch.style.background = colour;
  swatch.title = t("colour.yours", { colour: name });
  swatch.setAttribute("aria-label", swatch.title);
  swatch.dataset.colour = colour;
  for (const pill of document.querySelectorAll(".pill.lit")) {
    pill.style.background = colour;
    pill.style.color = inkOn(colour);
    pill.textContent = t("stop.lit_colour", { colour: name });
    pill.dataset.colour = colour;
  }
}
