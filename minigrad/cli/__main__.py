"""``python -m minigrad.cli`` behaves like ``python -m minigrad``."""
import sys

from minigrad.cli import main

sys.exit(main())
