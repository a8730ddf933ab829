// Sentences and repeated markup live in the page, as <template> elements the server renders
// (for demo panels, the templates "playground/_panel_texts.html" and "_panel_parts.html"), not
// in the scripts: here they are cloned and filled. Values go in as text (or as nodes), never
// parsed as HTML.

const PLACEHOLDER = /\{(\w+)\}/g;

// The templates are the server's and never change, so each is looked up once.
const templates = new Map();

function template(selector) {
  if (!templates.has(selector)) {
    const found = document.querySelector(selector);
    if (!found) throw new Error(`The page has no ${selector}.`);
    templates.set(selector, found);
  }
  return templates.get(selector);
}

function fillText(node, values) {
  const text = node.nodeValue;
  if (!text.includes("{")) return;
  const pieces = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (!(match[1] in values)) continue;
    pieces.push(text.slice(last, match.index), values[match[1]]);
    last = match.index + match[0].length;
  }
  if (!pieces.length) return;
  pieces.push(text.slice(last));
  node.replaceWith(...pieces.map((piece) => (piece instanceof Node ? piece : String(piece))));
}

function fillAttributes(element, values) {
  for (const attribute of element.attributes) {
    if (!attribute.value.includes("{")) continue;
    attribute.value = attribute.value.replace(PLACEHOLDER, (all, name) =>
      name in values ? String(values[name]) : all,
    );
  }
}

function fill(root, values) {
  if (root.nodeType === Node.ELEMENT_NODE) fillAttributes(root, values);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === Node.TEXT_NODE) texts.push(node);
    else fillAttributes(node, values);
  }
  texts.forEach((node) => fillText(node, values));
  return root;
}

// A sentence as nodes: <template data-say="key">, its {placeholders} filled from `values`.
export function say(key, values = {}) {
  const content = template(`template[data-say="${key}"]`).content.cloneNode(true);
  return fill(content, values);
}

// The same sentence as plain text, for a status line or an attribute.
export function sayText(key, values = {}) {
  return say(key, values).textContent.replace(/\s+/g, " ").trim();
}

// A copy of the element in <template data-part="key">, its {placeholders} filled.
export function part(key, values = {}) {
  const element = template(`template[data-part="${key}"]`).content.firstElementChild;
  return fill(element.cloneNode(true), values);
}

