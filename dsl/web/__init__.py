"""The workbench: `rulebook serve`, a local web page over a documented HTTP API (docs/workbench.md).

Needs the `web` extra (Starlette, uvicorn); nothing in the rest of the package imports it.
"""
