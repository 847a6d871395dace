"""What swanboard remembers about a project's or run's charts, read from and written to the store.

Settings (`runyard.store.view_state`), per run (an experiment page) or per project (the
compare page): `chart` key -> 1 pinned / -1 hidden (normal charts have none), `namespace`
name -> opened 1/0, `section` "pinned"/"hidden" -> opened 1/0, and per run `show` -> 0 when
the experiment is hidden from the compare page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from runyard.store.view_state import ViewSetting

CHART, NAMESPACE, SECTION, SHOW = "chart", "namespace", "section", "show"
PINNED, HIDDEN = "pinned", "hidden"
CHART_STATUSES = (-1, 0, 1)  # hidden, normal, pinned: SwanLab's chart `status`


@dataclass(slots=True)
class View:
    """The settings of one scope (a run, or the project's compare page)."""

    charts: dict[str, int] = field(default_factory=dict)
    namespaces: dict[str, int] = field(default_factory=dict)
    sections: dict[str, int] = field(default_factory=dict)
    show: int = 1

    def opened(self, namespace: str, default: int) -> int:
        """Whether a chart group is expanded: what the user chose, else the default."""
        return self.namespaces.get(namespace, default)

    def section_opened(self, section: str) -> int:
        """The pinned section starts open, the hidden one closed (as swanboard's)."""
        return self.sections.get(section, 1 if section == PINNED else 0)


def views(settings: Sequence[ViewSetting]) -> dict[int | None, View]:
    """Run id (None: the project's own) -> its view; scopes without settings are absent."""
    found: dict[int | None, View] = {}
    for setting in settings:
        view = found.setdefault(setting.run_id, View())
        if setting.kind == CHART:
            view.charts[setting.name] = setting.value
        elif setting.kind == NAMESPACE:
            view.namespaces[setting.name] = setting.value
        elif setting.kind == SECTION:
            view.sections[setting.name] = setting.value
        elif setting.kind == SHOW:
            view.show = setting.value
    return found


def chart_setting(project_id: int, run_id: int | None, key: str, status: int) -> tuple[list[ViewSetting], list[ViewSetting]]:
    """(to store, to forget) for a chart's new status: a normal chart keeps no setting."""
    setting = ViewSetting(project_id, run_id, CHART, key, status)
    return ([], [setting]) if status == 0 else ([setting], [])
