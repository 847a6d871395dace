"""Aspara's path parameters (`{project}`, `{run}`), each percent-decoded exactly once.

Routing on the encoded path (so `a%2Fb` stays one segment) is `runyard.server.raw_paths`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from runyard.server.raw_paths import RunName, decode

__all__ = ["ProjectName", "RunName"]


async def project_name(
    request: Request,
    project: Annotated[str, Path(description="Project name; percent-encode `/`, spaces and `%`.")],
) -> str:
    """The project name of the path."""
    return decode(request, project)


ProjectName = Annotated[str, Depends(project_name)]
