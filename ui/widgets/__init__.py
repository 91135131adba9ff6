"""Widgets shared by several pages (filters, mapping editors)."""
