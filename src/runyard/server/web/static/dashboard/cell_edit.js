// Double-click a tags or notes cell of the runs table to edit it in place (tags comma-separated;
// Enter saves, Escape cancels); saved through Aspara's metadata route like the run page does.
import { metadataUrl, putJSON } from "./common.js";

export function editCell(td, run, projectName, done) {
  if (td.querySelector("input")) return;
  const field = td.dataset.edit;
  const input = document.createElement("input");
  input.type = "text";
  input.className = "cell-edit";
  input.value = field === "tags" ? run.tags.join(", ") : run.notes;
  td.replaceChildren(input);
  input.focus();
  const finish = async (save) => {
    input.onblur = null;
    input.onkeydown = null;
    if (save) {
      const value = field === "tags" ? input.value.split(",").map((t) => t.trim()).filter(Boolean) : input.value;
      try {
        await putJSON(metadataUrl(projectName, run.name), { [field]: value });
        run[field] = value;
      } catch (err) {
        console.warn("could not save", field, err);
        td.title = `not saved: ${err.message}`;
      }
    }
    done();
  };
  input.onkeydown = (ev) => {
    if (ev.key === "Enter") finish(true);
    else if (ev.key === "Escape") finish(false);
  };
  input.onblur = () => finish(true);
}
