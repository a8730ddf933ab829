// The demo's parameter fields. The browser's constraint validation mirrors the server's bounds
// so a typo shows before the run; the server still decides, and its 400 is what the learner
// sees if they run anyway.
import { sayText } from "../say.js";

export class Params {
  constructor(form, hint) {
    this.inputs = Array.from(form.querySelectorAll("input[name]"));
    this.hint = hint;
  }

  // Why this field's value would be refused, or "". Float fields have a step only for their
  // spinners: the server checks their bounds, not the step.
  static problem(input) {
    const { validity } = input;
    const whole = input.step === "1";
    const values = { name: input.name, min: input.min, max: input.max };
    if (validity.valueMissing || validity.badInput) {
      return sayText(whole ? "param-needs-whole" : "param-needs-number", values);
    }
    if (validity.rangeUnderflow || validity.rangeOverflow) return sayText("param-range", values);
    if (whole && validity.stepMismatch) return sayText("param-whole", values);
    return "";
  }

  check() {
    const problems = [];
    for (const input of this.inputs) {
      const problem = Params.problem(input);
      input.setCustomValidity(problem);
      input.setAttribute("aria-invalid", problem ? "true" : "false");
      if (problem) problems.push(problem);
    }
    this.hint.hidden = !problems.length;
    this.hint.textContent = problems.length
      ? sayText("param-hint", { problems: problems.join("; ") })
      : "";
    return problems;
  }

  reset() {
    for (const input of this.inputs) input.value = input.defaultValue;
    this.check();
  }

  query() {
    const query = new URLSearchParams();
    for (const input of this.inputs) query.set(input.name, input.value.trim());
    return query;
  }

  value(name) {
    const input = this.inputs.find((candidate) => candidate.name === name);
    return input ? Number(input.value) : Number.NaN;
  }
}
