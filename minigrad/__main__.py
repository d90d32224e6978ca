"""``python -m minigrad tour``: the flagship experiment (see :mod:`minigrad.cli`)."""
import sys

from minigrad.cli import main

if __name__ == "__main__":
    sys.exit(main())
