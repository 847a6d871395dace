"""Read API: `Api` lists projects and runs and returns full metric histories."""

from __future__ import annotations

from runyard.api.backend import RemoteNotSupportedError
from runyard.api.client import Api
from runyard.api.history import build_history
from runyard.api.objects import ApiProject, ApiRun

__all__ = ["Api", "ApiProject", "ApiRun", "RemoteNotSupportedError", "build_history"]
