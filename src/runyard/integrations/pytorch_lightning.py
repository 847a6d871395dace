"""PyTorch Lightning through the `pytorch_lightning` import path: `Trainer(logger=RunyardLogger(...))`.

What it logs: see lightning_methods.py and docs/integrations.md.
"""

from __future__ import annotations

from pytorch_lightning.loggers import Logger

from runyard.integrations.lightning_methods import LoggerMethods


class RunyardLogger(LoggerMethods, Logger):  # type: ignore[misc]
    """A `pytorch_lightning` logger writing to runyard (arguments: `LoggerMethods.__init__`)."""
