"""SQL backend: sqlglot trees per dialect (issue 15)."""
