"""click's own messages (a usage error: an unknown option, a bad choice, a missing file) in the
user's language.

click marks its messages for gettext (`_("Error: {message}")`); the catalog (dsl/phrases.py,
"click.*") holds each message id with its Chinese text. `install(lang)` gives click's modules
a gettext that answers from the catalog, so `rulebook eval --format xml` says
`错误：--format 的取值无效：…` to a Chinese reader instead of click's English. A message id
the catalog does not know is shown as click wrote it (a newer click may add some).
"""
from __future__ import annotations

import sys
from typing import Any, Callable

from dsl.phrases import PHRASES

_CLICK_MODULES = ("click.core", "click.exceptions", "click.types", "click.parser", "click.formatting",
                  "click.decorators", "click.termui")


def translations(lang: str) -> dict[str, str]:
    """click's message ids -> the text in `lang` ("zh" or "en")."""
    return {en: (zh if lang == "zh" else en) for key, (en, zh) in PHRASES.items() if key.startswith("click.")}


def gettext_for(lang: str) -> tuple[Callable[[str], str], Callable[[str, str, int], str]]:
    """A gettext and an ngettext that answer from the catalog in `lang`."""
    table = translations(lang)

    def gettext(message: str) -> str:
        return table.get(message, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    return gettext, ngettext


def install(lang: str, command: Any = None) -> None:
    """click's messages in `lang` from now on (click's modules look `_` and `ngettext` up when
    they speak, so replacing them is enough). A path option names its kind ("file") when it
    is declared, before the language is known: those of `command` are named again."""
    import click

    gettext, ngettext = gettext_for(lang)
    for name in _CLICK_MODULES:
        module = sys.modules.get(name)
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
    for param in _params(command):
        kind = param.type
        if isinstance(kind, click.Path) and kind.name in _KINDS.keys() | set(_KINDS.values()):
            english = "file" if kind.file_okay and not kind.dir_okay else "directory" if kind.dir_okay and not kind.file_okay else "path"
            kind.name = gettext(english)
        elif type(kind).__name__ in _TYPE_NAMES:   # "'abc' is not a valid integer range" names the type
            kind.name = gettext(_TYPE_NAMES[type(kind).__name__])


_KINDS = {"file": "文件", "directory": "文件夹", "path": "路径"}
# click's value types by class (their `name` is not marked for translation): the English name
_TYPE_NAMES = {"IntParamType": "integer", "IntRange": "integer range", "FloatParamType": "float",
               "FloatRange": "float range", "BoolParamType": "boolean", "DateTime": "datetime", "UUIDParameterType": "uuid"}


def _params(command: Any) -> list[Any]:
    """Every parameter of a command and of its subcommands."""
    if command is None:
        return []
    found = list(getattr(command, "params", []))
    for sub in getattr(command, "commands", {}).values():
        found += _params(sub)
    return found


def lang_of(argv: list[str]) -> str:
    """The language a command line asks for: `--lang en` / `--lang=en`, else Chinese (every
    command's default)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "zh"
        if arg.startswith("--lang="):
            return "en" if arg.split("=", 1)[1] == "en" else "zh"
    return "zh"
