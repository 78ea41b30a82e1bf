"""Features built on the engine: examples runner (`rulebook test`), batch, diff, reports."""
