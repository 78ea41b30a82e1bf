"""Deciding: the reference interpreter (the oracle), results and explanations."""
