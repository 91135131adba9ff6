"""``python -m funnel`` runs the CLI."""

import sys

from funnel.cli import main

sys.exit(main())
