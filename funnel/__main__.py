"""``python -m funnel`` runs the CLI."""

import sys

from funnel.cli import main

if __name__ == "__main__":
    sys.exit(main())
