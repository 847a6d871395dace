"""PyTorch Lightning through the `lightning.pytorch` import path: `Trainer(logger=RunyardLogger(...))`.

What it logs: see lightning_methods.py and docs/integrations.md.
"""

from __future__ import annotations

from lightning.pytorch.loggers import Logger

from runyard.integrations.lightning_methods import LoggerMethods


class RunyardLogger(LoggerMethods, Logger):  # type: ignore[misc]
    """A `lightning.pytorch` logger writing to runyard (arguments: `LoggerMethods.__init__`)."""
