// The code editor: CodeMirror 5 (vendored, static/vendor/codemirror/) over the block's
// <textarea>, or the textarea itself when the editor's script did not load. Either way Tab
// indents, Shift+Tab dedents, Ctrl+Enter (Cmd+Enter) runs, and Esc then Tab moves the focus on:
// an editor that keeps Tab must not trap keyboard users.

const INDENT = "    ";

function codeMirror() {
  return window.CodeMirror ?? null;
}

export function createEditor(textarea, { onRun, label }) {
  const CodeMirror = codeMirror();
  return CodeMirror ? richEditor(CodeMirror, textarea, onRun, label) : plainEditor(textarea, onRun);
}

// A Tab key command: indents a selection as a block, otherwise runs `command`.
const tab = (command) => (cm) => {
  if (cm.somethingSelected()) cm.execCommand(command === "insertSoftTab" ? "indentMore" : command);
  else cm.execCommand(command);
  return undefined;
};

function richEditor(CodeMirror, textarea, onRun, label) {
  let leaving = false; // Esc was pressed: the next Tab leaves the editor
  const editor = CodeMirror.fromTextArea(textarea, {
    mode: "python",
    indentUnit: 4,
    tabSize: 4,
    indentWithTabs: false,
    lineNumbers: true,
    matchBrackets: true,
    viewportMargin: Infinity, // the editor grows with the code instead of scrolling inside
    inputStyle: "contenteditable", // what screen readers read best
    screenReaderLabel: label,
    extraKeys: {
      Tab: tab("insertSoftTab"),
      "Shift-Tab": tab("indentLess"),
      Esc: () => {
        leaving = true;
      },
      "Ctrl-Enter": () => onRun(),
      "Cmd-Enter": () => onRun(),
      "Ctrl-/": "toggleComment",
      "Cmd-/": "toggleComment",
    },
  });
  editor.on("keydown", (cm, event) => {
    // After Esc, Tab is the browser's: CodeMirror ignores it and the focus moves on.
    if (event.key === "Tab" && leaving) event.codemirrorIgnore = true;
    if (event.key !== "Escape" && event.key !== "Shift") leaving = false;
  });
  editor.on("blur", () => {
    leaving = false;
  });
  return {
    getValue: () => editor.getValue(),
    setValue: (value) => editor.setValue(value),
    focus: () => editor.focus(),
    onChange: (listener) => editor.on("changes", () => listener()),
    element: editor.getWrapperElement(),
  };
}

function plainEditor(textarea, onRun) {
  let leaving = false;
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      leaving = true;
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onRun();
    } else if (event.key === "Tab" && !leaving && !event.shiftKey) {
      event.preventDefault();
      textarea.setRangeText(INDENT, textarea.selectionStart, textarea.selectionEnd, "end");
    }
    if (event.key !== "Shift") leaving = false;
  });
  return {
    getValue: () => textarea.value,
    setValue: (value) => {
      textarea.value = value;
    },
    focus: () => textarea.focus(),
    onChange: (listener) => textarea.addEventListener("input", () => listener()),
    element: textarea,
  };
}

// Code to read, highlighted the same way, not editable.
export function showCode(pre, code) {
  const CodeMirror = codeMirror();
  if (!CodeMirror) {
    pre.querySelector("code").textContent = code;
    return;
  }
  const box = document.createElement("div");
  box.className = "exercise-solution-view";
  pre.replaceWith(box);
  CodeMirror(box, {
    value: code,
    mode: "python",
    readOnly: true,
    lineNumbers: true,
    viewportMargin: Infinity,
    screenReaderLabel: "A solution (read only)",
  });
}
