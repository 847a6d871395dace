"""Artifact bytes apart from the metadata store: a local folder or S3-compatible object storage."""

from __future__ import annotations

from runyard.store.artifacts.base import ArtifactFile, ArtifactStore, Folder, Stored
from runyard.store.artifacts.local import LocalArtifacts
from runyard.store.artifacts.opening import open_artifact_store

__all__ = ["ArtifactFile", "ArtifactStore", "Folder", "LocalArtifacts", "Stored", "open_artifact_store"]
