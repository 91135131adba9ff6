"""The shared words: schema (roles, fields, stages, mapping files), tables (Dataset, Health),
stages, labels, filters and privacy. Everything above builds on these; they import nothing above."""
