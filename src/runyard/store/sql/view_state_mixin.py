"""View settings on SQL: the `ViewStateStore` part of `SqlStore`."""

from __future__ import annotations

from collections.abc import Sequence

from runyard.store.sql import view_state
from runyard.store.sql.database import Database
from runyard.store.view_state import ViewSetting, ViewStateStore, check_setting


class SqlViewState(ViewStateStore):
    """View settings through the store's `Database`."""

    _db: Database

    def view_settings(self, project_id: int) -> list[ViewSetting]:
        return self._db.read(lambda c: view_state.read(c, project_id))

    def set_view_settings(self, settings: Sequence[ViewSetting], removed: Sequence[ViewSetting] = ()) -> None:
        for setting in [*settings, *removed]:
            check_setting(setting.kind, setting.name, setting.value)
        self._db.write(lambda c: view_state.write(c, settings, removed))
