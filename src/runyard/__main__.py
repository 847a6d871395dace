"""`python -m runyard` runs the command line."""

from __future__ import annotations

from runyard.cli import main

if __name__ == "__main__":
    main()
