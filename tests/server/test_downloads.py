"""What a downloaded artifact is served as."""

from __future__ import annotations

from runyard.server.downloads import media_type


def test_known_types_by_name_and_bytes_otherwise() -> None:
    assert media_type("plots/loss.png") == "image/png"
    assert media_type("model.weights-unknown") == "application/octet-stream"
