// The stream record: what the streaming view itself saw (its status, the events it sent and
// when it stopped), and what that means, written into the box under the stream's rows.
import { say, sayText } from "../say.js";
import { el } from "./dom.js";
import { fmtMs } from "./format.js";

function note(result) {
  const record = result.record;
  if (record.status === "cancelled") {
    return sayText("record-note-cancelled", { at: fmtMs(record.at_ms), sent: record.events_sent });
  }
  if (record.pending) return sayText("record-note-pending");
  if (result.cancelled && record.status === "completed") return sayText("record-note-sync");
  if (result.cancelled) return sayText("record-note-unfinished");
  return "";
}

export function recordBox(box, result) {
  const record = result.record;
  box.dataset.status = record.status || "";
  if (record.error) {
    box.replaceChildren(el("strong", { text: record.error.title }), ` ${record.error.text}`);
  } else if (record.pending && !record.status) {
    box.replaceChildren(say("record-asking"));
  } else {
    const at = record.at_ms === undefined ? "" : sayText("record-at", { at: record.at_ms });
    const { status, events_sent: sent } = record;
    box.replaceChildren(say("record-fields", { status, sent, at }));
    const text = note(result);
    if (text) box.append(el("p", { class: "stream-record-note", text }));
  }
}
