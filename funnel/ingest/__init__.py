"""From files to a :class:`~funnel.dataset.tables.Dataset`: read, map, type, validate, link."""
