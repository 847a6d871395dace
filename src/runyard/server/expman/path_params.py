"""expman's path parameters (`{experiment}`, `{run}`), each percent-decoded exactly once.

Routing on the encoded path (so `a%2Fb` stays one segment) is `runyard.server.raw_paths`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from runyard.server.raw_paths import DecodedPathParam, RunName

__all__ = ["ExperimentName", "RunName"]

ExperimentName = Annotated[str, Depends(DecodedPathParam(
    "experiment", "Experiment (project) name; percent-encode `/`, spaces and `%`."))]
