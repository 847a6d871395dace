"""The body of `PUT .../metadata`: notes and tags, validated before anything is written."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from runyard.store.validate import check_tags

MAX_NOTES = 100_000
MAX_TAGS = 1_000


class MetadataUpdate(BaseModel):
    """Fields to change; omitted (or null) ones stay as they are. Tags replace the old list."""

    model_config = ConfigDict(extra="forbid")

    notes: str | None = Field(default=None, max_length=MAX_NOTES)
    tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str] | None) -> list[str] | None:
        # Non-empty strings of at most 255 characters, trimmed, duplicates dropped.
        return None if tags is None else check_tags(tags)
