"""Which ordering sites carry a design: each weakened one step, the design re-checked.

For every ordering site the baseline check reaches (``smp_mb()`` and the other
fences, acquire and release accesses, ordered RMWs, ``rcu_assign_pointer``,
``READ_ONCE``/``WRITE_ONCE``/``rcu_dereference`` written on the line; a KVM
design's barrier switches), and every memory model asked for, the design is
checked again with that site alone one step weaker (:mod:`smpcheck._rt.sites`).
A site is *load-bearing* under a model when the weakened design shows something
the design does not: a finding (kind and place) it does not have, or for a
litmus test another Observation.  The finding it would show is the
counterexample the site prevents.  A re-check cut short with nothing new is
"unknown (incomplete)", never "not load-bearing"; so is any site when the
design's own check was cut short.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from smpcheck._rt.sites import Overrides, Site, SiteInfo, overriding
from smpcheck.analyses.subjects import Subject, Verdict
from smpcheck.explore.explorer import Settings
from smpcheck.records import replace

BASELINE_CUT = "the design's own check was cut short"


@dataclass
class SiteAnswer:
    """One site under one memory model."""

    site: Site
    weakened_to: str
    mm: str
    load_bearing: bool | None
    finding: str
    verdict: Verdict | None = None  # the weakened design's check
    switch: bool = False  # a KVM switch rather than a call in the source

    @property
    def answer(self) -> str:
        if self.load_bearing is None:
            return "unknown (incomplete)"
        return "load-bearing" if self.load_bearing else "not load-bearing"


@dataclass
class Baseline:
    """The design's own check under one memory model, and the sites it reached."""

    mm: str
    verdict: Verdict
    sites: dict[Site, SiteInfo]


def baseline(subject: Subject, mm: str, settings: Settings) -> Baseline:
    """Check the design unchanged, recording every site its executions reach.  Every
    execution is explored when the design fails, so that weakened runs are compared
    with all of its findings."""
    table = Overrides(per_cpu=subject.per_cpu)
    with overriding(table):
        verdict = subject.check(mm, settings)
        if verdict.holds is False and not settings.all_violations:
            verdict = subject.check(mm, replace(settings, all_violations=True))
    return Baseline(mm, verdict, table.seen)


def ordering_sites(bases: list[Baseline]) -> list[SiteInfo]:
    """The sites some baseline reached that can be weakened, in source order."""
    found: dict[Site, SiteInfo] = {}
    for b in bases:
        for site, info in b.sites.items():
            if info.weakened_to is not None:
                found.setdefault(site, info)
    return [found[s] for s in sorted(found)]


def compare(base: Verdict, weak: Verdict) -> tuple[bool | None, str]:
    """Whether the weakened run shows something the design does not, and what."""
    if not base.complete:
        return None, BASELINE_CUT
    new = weak.keys - base.keys
    if new and (weak.complete or weak.holds is False):
        if "run" in weak.extra:
            return True, _litmus_change(weak, new)
        shown = next((v for v in weak.result.violations if v.key() in new), None)
        if shown is None:
            return True, weak.finding
        weak.violation = shown
        return True, f"{shown.kind.value}: {shown.message}"
    if not weak.complete:
        return None, "the re-check was cut short: " + "; ".join(
            str(c) for c in weak.result.incomplete)
    return False, ""


def _litmus_change(weak: Verdict, new: frozenset[Any]) -> str:
    """What a weakened litmus test shows anew: another Observation (its witness), or
    flags (a data race: its finding)."""
    if weak.extra["run"].verdict in new:
        return weak.finding
    flags = sorted(k.removeprefix("flag ") for k in new)
    race = next((v for v in weak.result.violations if v.kind.value in flags), None)
    weak.violation = race
    if race is not None:
        return f"{race.kind.value}: {race.message}"
    return "flag " + ", ".join(flags)


def analyse(subject: Subject, mms: list[str], settings: Settings,
            progress: Callable[[str], None] | None = None
            ) -> tuple[list[Baseline], list[SiteAnswer]]:
    """Every ordering site and barrier switch of ``subject`` under each model in ``mms``."""
    bases = [baseline(subject, mm, settings) for mm in mms]
    answers = []
    for info in ordering_sites(bases):
        for b in bases:
            if progress is not None:
                progress(f"{info.site} under {b.mm}")
            answers.append(_weaken_site(subject, b, info, settings))
    for name, value, weaker, line in subject.switches():
        site = Site(subject.file, line, f"{name}={value}")
        for b in bases:
            if not b.verdict.complete:
                answers.append(SiteAnswer(site, f"{name}={weaker}", b.mm, None,
                                          BASELINE_CUT, None, True))
                continue
            weak = subject.check(b.mm, _like(b, settings), {name: weaker})
            lb, finding = compare(b.verdict, weak)
            answers.append(SiteAnswer(site, f"{name}={weaker}", b.mm, lb, finding, weak, True))
    return bases, answers


def _like(b: Baseline, settings: Settings) -> Settings:
    return replace(settings, all_violations=b.verdict.holds is False
                               or settings.all_violations)


def _weaken_site(subject: Subject, b: Baseline, info: SiteInfo,
                 settings: Settings) -> SiteAnswer:
    assert info.weakened_to is not None
    if not b.verdict.complete:  # (no re-check can say more than "unknown")
        return SiteAnswer(info.site, info.weakened_to, b.mm, None,
                          BASELINE_CUT)
    if info.site not in b.sites:
        return SiteAnswer(info.site, info.weakened_to, b.mm, False,
                          f"not reached under {b.mm}")
    with overriding(Overrides(weaken=frozenset({info.site}), per_cpu=subject.per_cpu)):
        weak = subject.check(b.mm, _like(b, settings))
    lb, finding = compare(b.verdict, weak)
    return SiteAnswer(info.site, info.weakened_to, b.mm, lb, finding, weak)


def answers_by_site(answers: list[SiteAnswer]) -> Iterator[tuple[Site, list[SiteAnswer]]]:
    """The answers grouped by site, in the order given."""
    groups: dict[Site, list[SiteAnswer]] = {}
    for a in answers:
        groups.setdefault(a.site, []).append(a)
    yield from groups.items()
