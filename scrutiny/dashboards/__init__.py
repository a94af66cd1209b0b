"""The quarterly dashboard: its figures (``figures``, the read side), charts, tables
and pages."""
