// dom: the few DOM helpers every module uses: find an element by id, build
// one with attributes and children, and make a list item act on a click and
// on Enter or Space (the side panel is read and driven from the keyboard).

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/**
 * A new element: `attrs` are attributes, except `text` (its text) and
 * `class`; `children` are nodes or strings, null ones skipped.
 */
export function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

/** Runs `fn` on a click, and on Enter or Space when the item has the focus. */
export function activate(item, fn) {
  item.addEventListener("click", fn);
  item.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      fn(ev);
    }
  });
}
