"""Find rulebook files: `--platform NAME` looks in ./rulebooks, then in the installed package."""
from __future__ import annotations

from pathlib import Path

from dsl.diagnostics import Diagnostic, DslError


def packaged_rulebooks_dir() -> Path | None:
    """The rulebooks shipped with the package (the `dsl.rulebooks` data package of an install,
    found by the import system), else the checkout's rulebooks/ when run from source.

    `importlib.util.find_spec` rather than `importlib.resources`: the latter imports zipfile,
    tempfile and shutil (~20 ms), which `rulebook eval` of one case would pay at every start."""
    from importlib.util import find_spec

    try:
        spec = find_spec("dsl.rulebooks")
    except (ModuleNotFoundError, ValueError):
        spec = None   # a source checkout: dsl.rulebooks exists only once installed
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if Path(location).is_dir():
            return Path(location)
    checkout = Path(__file__).resolve().parents[2] / "rulebooks"   # dsl/book/locate.py -> the checkout
    return checkout if checkout.is_dir() else None


def find_rulebook(name: str, cwd: Path | None = None) -> Path:
    """`find_rulebook("douyin")` -> rulebooks/douyin.yaml here, else the packaged copy."""
    candidates = [(cwd or Path.cwd()) / "rulebooks" / f"{name}.yaml"]
    packaged = packaged_rulebooks_dir()
    if packaged is not None:
        candidates.append(packaged / f"{name}.yaml")
    for path in candidates:
        if path.is_file():
            return path
    where = ", ".join(dict.fromkeys(str(c.parent) for c in candidates))
    raise DslError([Diagnostic("E311", None, None, {"name": name, "where": where})])


def packaged_rulebook(name: str) -> Path | None:
    """The packaged copy of rulebook `name` (in a source checkout, that is ./rulebooks' own file)."""
    packaged = packaged_rulebooks_dir()
    path = packaged / f"{name}.yaml" if packaged is not None else None
    return path if path is not None and path.is_file() else None


def available_platforms(cwd: Path | None = None) -> list[str]:
    names: set[str] = set()
    for folder in ((cwd or Path.cwd()) / "rulebooks", packaged_rulebooks_dir()):
        if folder is not None and folder.is_dir():
            names.update(p.stem for p in folder.glob("*.yaml"))
    return sorted(names)


def rulebook_files(paths: list[str]) -> list[Path]:
    """Expand files and folders (folders: every *.yaml / *.yml inside, sorted)."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(sorted(list(path.rglob("*.yaml")) + list(path.rglob("*.yml"))))
        else:
            out.append(path)
    return out


def resolve(path_or_platform: str | Path) -> Path:
    """A file path as it is; a platform name (`"douyin"`) found by find_rulebook."""
    path = Path(path_or_platform)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return find_rulebook(str(path_or_platform))


def meant_platform(name: str, named: list[tuple[str, tuple[str, ...]]] | None = None,
                   known: list[str] | None = None) -> str | None:
    """The platform id `name` stands for: the same id in other letter case, the start of a
    rulebook's name (抖音 for 抖音售后规则, Douyin for "Douyin after-sale rules"), or a close
    spelling of an id; None when it is an id itself or stands for none.

    `named` pairs each platform with its rulebook's names (zh, en); None reads them from the
    rulebooks `--platform` finds (only when a name was not found: a usage error's path)."""
    known = available_platforms() if known is None else known
    if name in known:
        return None
    folded = name.casefold()
    for pid in known:
        if pid.casefold() == folded:
            return pid
    for pid, names in (_rulebook_names(known) if named is None else named):
        if len(name) >= 2 and any(n.casefold().startswith(folded) for n in names if n):
            return pid
    from dsl.text.suggest import did_you_mean

    return did_you_mean(folded, known)


def _rulebook_names(platforms: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(platform, (name zh, name en)) of each platform's rulebook, read without loading it."""
    from dsl.text.yamlload import load_yaml

    out = []
    for pid in platforms:
        try:
            path = find_rulebook(pid)
            data = load_yaml(path.read_text(encoding="utf-8"), str(path)).data
        except (OSError, UnicodeDecodeError, DslError):
            continue
        name = data.get("name") if isinstance(data, dict) else None
        if isinstance(name, dict):
            out.append((pid, tuple(str(name.get(k) or "") for k in ("zh", "en"))))
    return out
