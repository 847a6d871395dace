"""The body of `PUT .../metadata`: notes and tags, validated before anything is written."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from runyard.server.edits import EditedTags

MAX_NOTES = 100_000


class MetadataUpdate(BaseModel):
    """Fields to change; omitted (or null) ones stay as they are. Tags replace the old list."""

    model_config = ConfigDict(extra="forbid")

    notes: str | None = Field(default=None, max_length=MAX_NOTES)
    tags: EditedTags = None
