"""The Python backend: code generation, the one-pass decider, the runtime, the cache."""
