// typeahead: the entity boxes (Entity, and Path's From and To). Each is one
// copy of the page's <template id="combobox">, put where a
// <div data-combobox="ID" data-label="..."> stands, and suggests the
// entities whose name or id contains what is typed (arrows and Enter, or
// the mouse, to pick one).
import { el } from "./dom.js";
import { gql } from "./api.js";
import { report } from "./details.js";
import { SEARCH } from "./queries.js";
import { state } from "./url.js";

// How long typing must pause before suggestions are asked for.
const PAUSE_MS = 150;

/**
 * Replaces every `[data-combobox]` placeholder with a copy of the template:
 * the input gets the placeholder's id, its list that id + "-list".
 */
export function mountComboboxes() {
  const template = document.getElementById("combobox");
  for (const slot of document.querySelectorAll("[data-combobox]")) {
    const id = slot.dataset.combobox;
    const combo = template.content.firstElementChild.cloneNode(true);
    const label = combo.querySelector("label"), input = combo.querySelector("input"), list = combo.querySelector("ul");
    label.textContent = slot.dataset.label;
    label.htmlFor = id;
    input.id = id;
    list.id = id + "-list";
    input.setAttribute("aria-controls", list.id);
    slot.replaceWith(combo);
  }
}

/** Suggestions under `input` (its list is `input.id + "-list"`); `onPick(id)` when one is chosen. */
export function typeahead(input, onPick) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  let timer = null, items = [], active = -1;
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    Array.from(list.children).forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
  };
  const pick = (id) => {
    input.value = id;
    close();
    onPick(id);
  };
  const suggest = async (text) => {
    try {
      const d = await gql(SEARCH, { s: text, knownAt: state.knownAt });
      // Ranked hits first, then substring matches not among them.
      const seen = new Set();
      items = [];
      for (const h of d.hits) {
        if (!seen.has(h.entity.id)) { seen.add(h.entity.id); items.push({ ...h.entity, matched: h.matched, score: h.score }); }
      }
      for (const e of d.subs.edges) if (!seen.has(e.node.id)) { seen.add(e.node.id); items.push(e.node); }
      items = items.slice(0, 12);
      list.textContent = "";
      items.forEach((n, i) => {
        const via = n.matched && n.matched !== n.name && n.matched !== n.id ? el("span", { class: "matched", text: "“" + n.matched + "” " }) : null;
        const li = el("li", { role: "option", "data-entity": n.id, id: list.id + "-" + i },
          [el("span", { class: "tag " + n.type.toLowerCase(), text: n.type.toLowerCase() }), n.name + " ", via, el("small", { text: n.id })]);
        if (n.matched) li.setAttribute("data-matched", n.matched);
        li.addEventListener("mousedown", (ev) => {
          ev.preventDefault();
          pick(n.id);
        });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", String(items.length > 0));
      active = -1;
    } catch (err) {
      report(err);
    }
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (!text) {
      close();
      return;
    }
    timer = setTimeout(() => suggest(text), PAUSE_MS);
  });
  input.addEventListener("keydown", (ev) => {
    if (list.hidden) return;
    if (ev.key === "ArrowDown") {
      ev.preventDefault();
      highlight(Math.min(items.length - 1, active + 1));
    } else if (ev.key === "ArrowUp") {
      ev.preventDefault();
      highlight(Math.max(0, active - 1));
    } else if (ev.key === "Escape") {
      close();
    } else if (ev.key === "Enter" && active >= 0) {
      ev.preventDefault();
      pick(items[active].id);
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
}
