// The lesson's contents list is rendered folded, so on a phone it doesn't push the lesson a
// screen down; where there is room for it beside the lesson, it opens.
const WIDE = "(min-width: 821px)"; // the lesson layout's breakpoint in site.css

export function contents(details) {
  if (details && window.matchMedia(WIDE).matches) details.open = true;
}
