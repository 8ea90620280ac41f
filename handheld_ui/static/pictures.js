// A product's picture on the handheld: the file named in the warehouse description (served
// from /static/products/), else, or when it cannot load, its initials on a colour of its own.

function hash(text) { let h = 0; for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0; return h; }

function initials(box, item) {
  box.replaceChildren(item.name.split(/\s+/).slice(0, 2).map((w) => w[0]).join("").toUpperCase());
  box.style.background = `hsl(${hash(item.sku) % 360} 70% 62%)`;
  delete box.dataset.image;
}

/** Fill a .picture box for item {sku, name, image}. */
export function showPicture(box, item) {
  if (!item.image) { initials(box, item); return; }
  if (box.dataset.image === item.image) return; // already shown: no reload, no flicker
  const img = document.createElement("img");
  img.alt = ""; // the name is written beside it
  img.src = `/static/products/${encodeURIComponent(item.image)}`;
  img.addEventListener("error", () => initials(box, item));
  box.replaceChildren(img);
  box.style.background = "";
  box.dataset.image = item.image;
}

/** The order's items at the pack station: picture (or initials), quantity and name. */
export function packItems(items) {
  return items.map((item) => {
    const li = document.createElement("li");
    li.dataset.sku = item.sku;
    const box = document.createElement("div");
    box.className = "picture";
    box.setAttribute("aria-hidden", "true");
    showPicture(box, item);
    const qty = document.createElement("b");
    qty.textContent = `${item.qty} ×`;
    const name = document.createElement("span");
    name.textContent = item.name;
    li.append(box, qty, name);
    return li;
  });
}
