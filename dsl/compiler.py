"""Moved to `dsl.engine.python.codegen`; this name stays because the README documented
`dsl.compiler.compile_expr(typed)`. New code imports `dsl.compile_expr`."""
from dsl.engine.python.codegen import ExprGen, ModuleBuilder, compile_expr

__all__ = ["ExprGen", "ModuleBuilder", "compile_expr"]
