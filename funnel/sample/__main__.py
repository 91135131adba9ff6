"""``python -m funnel.sample``: write the sample export."""

from funnel.sample.generator import main

raise SystemExit(main())
