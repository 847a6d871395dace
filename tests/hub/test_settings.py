"""The hub's settings come from the CLI and RUNYARD_* variables, read when asked."""

from __future__ import annotations

from runyard.settings import Settings


def test_hub_settings_from_env() -> None:
    settings = Settings.from_env({"RUNYARD_DATASTREAM_URL": "amqp://u:p@h:5672/", "RUNYARD_HUB": "0",
                                  "RUNYARD_HUB_TYPES": "a=m:A, b=n:B"})
    assert settings.datastream_url == "amqp://u:p@h:5672/"
    assert settings.hub_enabled is False and settings.hub_types == ("a=m:A", "b=n:B")
    assert Settings.from_env({}, datastream_url="amqp://x/").datastream_url == "amqp://x/"
    assert Settings.from_env({}).datastream_url is None and Settings.from_env({}).hub_enabled is True
