"""Body fields the dialects' edit forms share (Aspara's metadata `PUT`, expman's metadata `PATCH`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from runyard.store.validate import check_tags

MAX_TAGS = 1_000


def _tags(tags: list[str] | None) -> list[str] | None:
    # Non-empty strings of at most 255 characters, trimmed, duplicates dropped (422 otherwise).
    return None if tags is None else check_tags(tags)


# A new tag list (it replaces the old one); null: unchanged.
EditedTags = Annotated[list[str] | None, Field(default=None, max_length=MAX_TAGS), AfterValidator(_tags)]
