// The runs table's filter box. The filter language is runyard's one run filter (v1 API and
// `runyard ls --filter` parse the same text: docs/dashboard.md#filter): the server parses and
// evaluates it and answers the ids it keeps, or a 422 saying why the text does not parse,
// shown next to the box. Typing waits for a pause; an answer older than the newest asked is dropped.
const WAIT_MS = 150;

export class RunFilter {
  constructor({ input, errorEl, projectId, onResult }) {
    this.input = input;
    this.errorEl = errorEl;
    this.projectId = projectId;
    this.onResult = onResult; // (ids | null) => void
    this.asked = 0;
    this.timer = null;
    input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.apply(), WAIT_MS);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        clearTimeout(this.timer);
        this.apply();
      }
    });
  }

  get text() {
    return this.input.value.trim();
  }

  // Ask again for the current text (new runs, new values): quietly, without a pause.
  async apply() {
    const text = this.text;
    const ask = ++this.asked;
    if (!text) {
      this.showError("");
      this.onResult(null);
      return;
    }
    let response;
    try {
      response = await fetch(`/web/api/projects/${this.projectId}/runs/match?filter=${encodeURIComponent(text)}`,
        { headers: { Accept: "application/json" } });
    } catch (err) {
      if (ask === this.asked) this.showError(`filter not applied: ${err.message}`);
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (ask !== this.asked) return;
    if (!response.ok) {
      this.showError(typeof answer.detail === "string" ? answer.detail : `filter not applied (HTTP ${response.status})`);
      return;
    }
    this.showError("");
    this.onResult(answer.runs);
  }

  showError(text) {
    this.errorEl.textContent = text;
    this.errorEl.hidden = !text;
    this.input.classList.toggle("invalid", Boolean(text));
    this.input.setAttribute("aria-invalid", text ? "true" : "false");
  }
}
