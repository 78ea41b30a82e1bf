"""Deciding with compiled code: the verdict on bad values (verdict.py, which asks the
reference interpreter of dsl/lang), results and explanations; backends in python/ and sql/."""
