"""The KVM model library's catalogue: designs, their scenarios and their switches.

A design module (one per kernel version or proposal) builds a :class:`KvmModel`:
named scenarios, each a function from switch settings to a fresh
:class:`~smpcheck.model.model.Model` and its named global locations, and the switches
(the choices a design leaves open), default first.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from smpcheck.errors import UsageError
from smpcheck.model.model import Model
from smpcheck.model.objects import Loc, name_globals

Built = tuple[Model, dict[str, Loc]]


@dataclass(frozen=True)
class Switch:
    """A choice the design leaves open: its name, its values (default first), what it means."""

    name: str
    choices: tuple[str, ...]
    meaning: str

    @property
    def default(self) -> str:
        return self.choices[0]


@dataclass(frozen=True)
class Scenario:
    """A bounded configuration of a design: which CPUs run what on which objects."""

    name: str
    description: str
    build: Callable[[Mapping[str, str]], Built]


@dataclass(frozen=True)
class KvmModel:
    """A design: the kernel source it follows, its scenarios and its switches.

    ``variants`` lists the switch settings worth a row of ``smpcheck kvm matrix``
    (each a partial setting; the rest take their defaults)."""

    name: str
    follows: str
    description: str
    scenarios: tuple[Scenario, ...]
    switches: tuple[Switch, ...] = ()
    variants: tuple[Mapping[str, str], ...] = field(default_factory=lambda: ({},))

    def scenario(self, name: str | None) -> Scenario:
        if name is None:
            return self.scenarios[0]
        for s in self.scenarios:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.scenarios)
        raise UsageError(f"model {self.name} has no scenario {name!r} (scenarios: {known})")

    def settings(self, given: Mapping[str, str]) -> dict[str, str]:
        """Every switch's value: the given ones, checked, and the defaults."""
        by_name = {s.name: s for s in self.switches}
        out = {s.name: s.default for s in self.switches}
        for key, value in given.items():
            sw = by_name.get(key)
            if sw is None:
                known = ", ".join(by_name) or "none"
                raise UsageError(f"model {self.name} has no switch {key!r} (switches: {known})")
            if value not in sw.choices:
                raise UsageError(f"switch {key} takes {' | '.join(sw.choices)}, not {value!r}")
            out[key] = value
        return out

    def build(self, scenario: str | None, given: Mapping[str, str]) -> Built:
        """A fresh model of ``scenario`` with the switches ``given`` (others default)."""
        model, names = self.scenario(scenario).build(self.settings(given))
        return model, names


def globals_of(model: Model, **objects: object) -> Built:
    """Name a scenario's objects after the keywords, as a model file's globals are."""
    return model, name_globals(dict(objects))


_MODULES = ("smpcheck.kvm.unmap_nolock_2013_scenarios",
            "smpcheck.kvm.fast_invalidate_311_scenarios",
            "smpcheck.kvm.rmap_aging_615_scenarios")  # (each imports its design)


def models() -> list[KvmModel]:
    """Every design the library ships, in historical order."""
    out = []
    for name in _MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        out.append(mod.MODEL)
    return out


def get(name: str) -> KvmModel:
    for m in models():
        if m.name == name:
            return m
    known = ", ".join(m.name for m in models())
    raise UsageError(f"no KVM model {name!r} (models: {known})")
