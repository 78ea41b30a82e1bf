"""Rulebook files: YAML shape, the model, loading and checking, analysis, finding files."""
