"""expman's path parameters (`{experiment}`, `{run}`), each percent-decoded exactly once.

Routing on the encoded path (so `a%2Fb` stays one segment) is `runyard.server.raw_paths`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from runyard.server.raw_paths import RunName, decode

__all__ = ["ExperimentName", "RunName"]


async def experiment_name(
    request: Request,
    experiment: Annotated[str, Path(description="Experiment (project) name; percent-encode `/`, spaces and `%`.")],
) -> str:
    """The experiment name of the path."""
    return decode(request, experiment)


ExperimentName = Annotated[str, Depends(experiment_name)]
