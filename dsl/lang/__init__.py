"""The expression language: grammar, parser, AST, types, builtins, checker, lowering, unparse.

Knows nothing of YAML files or of any backend; the vocabulary is its name environment."""
