"""Targets per KPI and the green/amber/red status of a value against them.

A target has a goal (the value to reach) and an amber limit (still acceptable, not yet
alarming): for a KPI where higher is better, value ≥ goal is green, value ≥ amber is
amber, below is red; where lower is better, the comparisons flip. Targets are set with
the ``KPI_TARGETS`` setting (``dashboard.core.settings``), for example

    KPI_TARGETS="share_in_norm=90%/75%; median_response=8ч/24ч; overdue=0/10"

Values are written with their units: ``%`` for shares, ``мин``/``ч``/``дн`` for durations,
plain numbers for counts. A KPI left out keeps its default target from the metric registry
(``KPI.target``, ``KPI.amber``). Pure logic.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from dashboard.core import formatting as fmt
from dashboard.core.metrics import KPIS


class TargetError(ValueError):
    """A KPI_TARGETS entry cannot be read (message in Russian)."""


GOOD, WARN, BAD = "good", "warn", "bad"
STATUS_LABELS = {GOOD: "цель достигнута", WARN: "близко к цели", BAD: "далеко от цели"}
STATUS_COLOURS = {GOOD: "#2e9e6b", WARN: "#e5a33b", BAD: "#d0543f"}
NO_STATUS_COLOUR = "#b8c0cc"

# How each KPI with a target is stored: "share" (0..1), "minutes", "count".
KINDS = {"share_in_norm": "share", "share_answered": "share", "median_response": "minutes",
         "mean_response": "minutes", "overdue": "count", "satisfaction": "share", "photo_share": "share"}


@dataclass(frozen=True)
class Target:
    code: str         # KPI code in dashboard.core.metrics.KPIS
    goal: float       # green from here
    amber: float      # amber from here up to the goal, red beyond

    @property
    def higher_is_better(self) -> bool:
        return KPIS[self.code].better == "higher"

    def status(self, value) -> str | None:
        """'good', 'warn' or 'bad'; None when there is no value."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.higher_is_better:
            return GOOD if value >= self.goal - 1e-12 else (WARN if value >= self.amber - 1e-12 else BAD)
        return GOOD if value <= self.goal + 1e-12 else (WARN if value <= self.amber + 1e-12 else BAD)

    def text(self, value: float | None = None) -> str:
        """The goal as users read it: 'не ниже 90,0 %', 'не дольше 8 ч', '0' — a share in the
        KPI's own format, as the target line («цель 90,0 %») and the cards print it."""
        v = self.goal if value is None else value
        kind = KINDS[self.code]
        if kind == "share":
            shown = KPIS[self.code].format(v)
        elif kind == "minutes":
            shown = fmt.duration(v)
        else:
            shown = fmt.num(v)
        if value is not None:
            return shown
        if kind == "count":
            return f"не больше {shown}" if v else "0"
        if kind == "minutes":
            return f"не дольше {shown}"
        return f"не ниже {shown}" if self.higher_is_better else f"не выше {shown}"

    @property
    def label(self) -> str:
        """The target line's name on every chart — screen, PDF and PPTX: «цель 90,0 %»."""
        return goal_label(self.code, self.goal)

    @property
    def description(self) -> str:
        """'Ответ в срок: цель — не ниже 90,0 %, жёлтый — от 75,0 %'."""
        word = "от" if self.higher_is_better else "до"
        return f"{KPIS[self.code].name}: цель — {self.text()}, жёлтый — {word} {self.text(self.amber)}"


def goal_label(code: str, goal: float) -> str:
    """«цель 90,0 %»: a target line's name, the goal in the KPI's own format (as cards and
    tables print the value). The one owner of that text (Target.label)."""
    return f"цель {KPIS[code].format(goal)}"


# Defaults: the registry's target slots (dashboard.core.metrics.KPIS: target, amber).
DEFAULT_TARGETS: dict[str, Target] = {k.code: Target(k.code, k.target, k.amber)
                                      for k in KPIS.values() if k.target is not None}

_UNITS = {"%": 0.01, "мин": 1, "ч": 60, "дн": 1440, "": 1}
_VALUE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(%|мин|ч|дн|)\s*$")


def _value(code: str, raw: str, entry: str) -> float:
    m = _VALUE.match(raw)
    if not m:
        raise TargetError(f"KPI_TARGETS, «{entry}»: не число «{raw.strip()}» (пример: 90%, 8ч, 0).")
    number, unit = float(m.group(1).replace(",", ".")), m.group(2)
    kind = KINDS[code]
    if (kind == "share") != (unit == "%") or (kind == "count" and unit) or (kind == "minutes" and unit == "%"):
        want = {"share": "в процентах (90%)", "minutes": "в мин, ч или дн (8ч)", "count": "числом (0)"}[kind]
        raise TargetError(f"KPI_TARGETS, «{entry}»: цель для «{KPIS[code].name}» задаётся {want}.")
    return round(number * _UNITS[unit], 9)


def parse(text: str) -> dict[str, Target]:
    """Targets from a KPI_TARGETS text; KPIs not named keep DEFAULT_TARGETS."""
    out = dict(DEFAULT_TARGETS)
    for entry in filter(None, (e.strip() for e in re.split(r"[;\n]", text or ""))):
        code, sep, rest = entry.partition("=")
        code = code.strip()
        if not sep or code not in KINDS:
            known = ", ".join(KINDS)
            raise TargetError(f"KPI_TARGETS, «{entry}»: ожидается «код=цель/жёлтый», код — один из: {known}.")
        goal_raw, _, amber_raw = rest.partition("/")
        goal = _value(code, goal_raw, entry)
        amber = _value(code, amber_raw, entry) if amber_raw.strip() else goal
        higher = KPIS[code].better == "higher"
        if (amber > goal) if higher else (amber < goal):
            raise TargetError(f"KPI_TARGETS, «{entry}»: граница жёлтого должна быть "
                              f"{'ниже' if higher else 'выше'} цели.")
        out[code] = Target(code, goal, amber)
    return out
