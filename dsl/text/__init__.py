"""Source text: characters, positions, YAML with positions, spelling suggestions."""
