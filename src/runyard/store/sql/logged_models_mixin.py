"""Logged models and run links on SQL + the artifact store: the `LoggedModelStore` half of `SqlStore`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from runyard.errors import NotFoundError
from runyard.store.artifacts import ArtifactFile, ArtifactStore, Folder
from runyard.store.logged_models import (
    DatasetInput,
    LoggedModel,
    LoggedModelStore,
    ModelFile,
    RunLinks,
    new_model_id,
)
from runyard.store.run_data import ByteStream
from runyard.store.sql import logged_models, run_links
from runyard.store.sql.database import Database
from runyard.store.validate_paths import clean_name


class SqlLoggedModels(LoggedModelStore):
    """Model rows and run links through the store's `Database`; model files in its artifact store.

    A model's files have no rows: its folder in the artifact store is the record (uploads
    are whole or absent there, locally by rename, in object storage by the PUT itself).
    """

    _db: Database
    artifacts: ArtifactStore

    def create_logged_model(self, project_id: int, *, name: str, model_type: str = "",
                            source_run_id: int | None = None, params: Mapping[str, str] | None = None,
                            tags: Mapping[str, str] | None = None, model_id: str | None = None) -> LoggedModel:
        fields = {"name": name, "model_type": model_type, "source_run_id": source_run_id,
                  "params": params, "tags": tags}
        chosen = model_id or new_model_id()
        return self._db.write(lambda c: logged_models.create(c, project_id, chosen, fields))

    def get_logged_model(self, model_id: str) -> LoggedModel:
        return self._db.read(lambda c: logged_models.get(c, model_id))

    def list_logged_models(self, project_ids: Sequence[int]) -> list[LoggedModel]:
        return self._db.read(lambda c: logged_models.list_(c, project_ids))

    def set_logged_model_status(self, model_id: str, status: str, *, message: str = "") -> LoggedModel:
        return self._db.write(lambda c: logged_models.set_status(c, model_id, status, message))

    def set_logged_model_tags(self, model_id: str, tags: Mapping[str, str]) -> LoggedModel:
        return self._db.write(lambda c: logged_models.set_tags(c, model_id, tags))

    def delete_logged_model_tag(self, model_id: str, key: str) -> LoggedModel:
        return self._db.write(lambda c: logged_models.delete_tag(c, model_id, key))

    def log_logged_model_params(self, model_id: str, params: Mapping[str, str]) -> LoggedModel:
        return self._db.write(lambda c: logged_models.log_params(c, model_id, params))

    def delete_logged_model(self, model_id: str) -> None:
        self._db.write(lambda c: logged_models.delete(c, model_id))
        self.artifacts.remove_folder(Folder.model(model_id))

    # -- model files ---------------------------------------------------------------
    def add_logged_model_file(self, model_id: str, name: str, stream: ByteStream, *,
                              max_bytes: int | None = None) -> ModelFile:
        self._db.check_writable()  # the files are written without a database write
        self.get_logged_model(model_id)
        stored = self.artifacts.put(Folder.model(model_id), name, stream, max_bytes=max_bytes)
        return ModelFile(stored.name, stored.size)

    def logged_model_files(self, model_id: str) -> list[ModelFile]:
        self.get_logged_model(model_id)
        return [ModelFile(path, size) for path, size in self.artifacts.files(Folder.model(model_id))]

    def open_logged_model_file(self, model_id: str, name: str) -> ArtifactFile:
        self.get_logged_model(model_id)
        try:
            return self.artifacts.open(Folder.model(model_id), name)
        except NotFoundError:
            raise NotFoundError(f"logged model {model_id} has no file {clean_name(name)!r:.80}") from None

    def delete_logged_model_files(self, model_id: str, name: str) -> int:
        """Delete the file `name` or the folder `name` with everything in it; returns how many files went."""
        self._db.check_writable()
        self.get_logged_model(model_id)
        cleaned = clean_name(name)
        folder = Folder.model(model_id)
        inside = [path for path, _size in self.artifacts.files(folder)
                  if path == cleaned or path.startswith(cleaned + "/")]
        if not inside:
            raise NotFoundError(f"logged model {model_id} has no file or folder {cleaned!r:.80}")
        self.artifacts.delete(folder, inside)
        return len(inside)

    # -- run inputs and outputs ----------------------------------------------------
    def log_run_inputs(self, run_id: int, datasets: Sequence[DatasetInput] = (),
                       model_ids: Sequence[str] = ()) -> None:
        self._db.write(lambda c: run_links.log_inputs(c, run_id, datasets, model_ids))

    def log_run_outputs(self, run_id: int, outputs: Sequence[tuple[str, int]]) -> None:
        self._db.write(lambda c: run_links.log_outputs(c, run_id, outputs))

    def run_links(self, run_ids: Sequence[int]) -> dict[int, RunLinks]:
        return self._db.read(lambda c: run_links.read(c, run_ids))
