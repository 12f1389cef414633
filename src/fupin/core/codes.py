"""Code lists (代码表) loaded from ``fupin/config/codelists.yaml``.

Registry fields store codes; labels come from here. Model fields get their choices through :func:`choices_of`,
a callable, so editing a label never needs a migration.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


@dataclass(frozen=True)
class CodeItem:
    code: str
    label: str
    attrs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CodeList:
    name: str
    label: str
    items: tuple[CodeItem, ...]

    @functools.cached_property
    def by_code(self) -> dict[str, CodeItem]:
        return {i.code: i for i in self.items}

    @functools.cached_property
    def by_label(self) -> dict[str, CodeItem]:
        return {i.label: i for i in self.items}

    def label_of(self, code: str | None, default: str = "") -> str:
        if code in (None, ""):
            return default
        item = self.by_code.get(code)
        return item.label if item else code

    def attr(self, code: str | None, name: str, default=None):
        item = self.by_code.get(code or "")
        return item.attrs.get(name, default) if item else default

    def codes_where(self, **attrs) -> list[str]:
        return [i.code for i in self.items if all(i.attrs.get(k) == v for k, v in attrs.items())]

    def choices(self) -> list[tuple[str, str]]:
        return [(i.code, i.label) for i in self.items]


@functools.cache
def _load() -> dict[str, CodeList]:
    raw = yaml.safe_load((CONFIG_DIR / "codelists.yaml").read_text(encoding="utf-8"))
    lists = {}
    for name, spec in raw.items():
        items = []
        seen = set()
        for entry in spec["items"]:
            code, label, *rest = entry
            code = str(code)
            if code in seen:
                raise ValueError(f"code list {name}: duplicate code {code}")
            seen.add(code)
            items.append(CodeItem(code=code, label=str(label), attrs=rest[0] if rest else {}))
        lists[name] = CodeList(name=name, label=spec.get("label", name), items=tuple(items))
    return lists


def get(name: str) -> CodeList:
    try:
        return _load()[name]
    except KeyError:
        raise KeyError(f"unknown code list {name!r}") from None


def all_lists() -> dict[str, CodeList]:
    return dict(_load())


def label(name: str, code: str | None, default: str = "") -> str:
    return get(name).label_of(code, default)


def choices(name: str) -> list[tuple[str, str]]:
    return get(name).choices()


def choices_of(name: str):
    """A callable for ``Field(choices=...)``: evaluated lazily, serialised in migrations by reference."""
    return functools.partial(choices, name)
