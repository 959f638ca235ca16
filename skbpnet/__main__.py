"""Entry point for ``python -m skbpnet``; the logic lives in :mod:`skbpnet._cli`."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
