"""Aspara's path parameters (`{project}`, `{run}`), each percent-decoded exactly once.

Routing on the encoded path (so `a%2Fb` stays one segment) is `runyard.server.raw_paths`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from runyard.server.raw_paths import DecodedPathParam, RunName

__all__ = ["ProjectName", "RunName"]

ProjectName = Annotated[str, Depends(DecodedPathParam(
    "project", "Project name; percent-encode `/`, spaces and `%`."))]
