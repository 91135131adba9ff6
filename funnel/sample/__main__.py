"""``python -m funnel.sample``: write the sample export."""

from funnel.sample.export import main

raise SystemExit(main())
