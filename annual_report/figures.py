"""Figures as the narrative prints them: metric lookup and the formatting filters.

In the narrative, `m.<metric_id>` is a Figure; filters turn it into text: `count` (value and unit),
`pct(n)`, `yoy(n)` (上升/下降/持平 by sign), `wan(n)` (yuan as 万元), `approx(step)` (rounded down,
with 余), `number`. Rounding (half-up or truncate) is a setting of the report spec.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl

from annual_report.contracts import Contract

ROUNDING = {"half_up": ROUND_HALF_UP, "truncate": ROUND_DOWN}


class MissingFigureError(LookupError):
    """The narrative needs a figure the metrics table cannot give; the message says which and why."""


@dataclass(frozen=True)
class Figure:
    metric_id: str
    label: str
    value: float
    unit: str
    prior_value: float | None
    change: float | None


class Figures:
    """The `m` of the narrative: `m.legal_aid_cases` is that metric's Figure, or a clear error."""

    def __init__(self, metrics: pl.DataFrame, contracts: dict[str, Contract], year: int) -> None:
        self._rows = {row["metric_id"]: row for row in metrics.iter_rows(named=True)}
        self._contracts = contracts
        self._year = year

    def __getattr__(self, metric_id: str) -> Figure:
        if metric_id.startswith("_"):
            raise AttributeError(metric_id)
        row = self._rows.get(metric_id)
        if row is None:
            raise MissingFigureError(
                f"the narrative uses metric {metric_id!r}, which no model in sql/metrics/ computes "
                f"(known metrics: {', '.join(sorted(self._rows))})"
            )
        if row["value"] is None:
            missing = [self._contracts[d] for d in row["datasets"]]
            feeds = "; ".join(f"{c.dataset} ({c.title}, from {c.department}: inputs/{self._year}/{c.department}/)"
                              for c in missing)
            raise MissingFigureError(
                f"metric {metric_id!r} ({row['label']}) has no value for {self._year}: "
                f"it needs a loaded submission of {feeds}"
            )
        return Figure(metric_id, row["label"], row["value"], row["unit"], row["prior_value"], row["change"])


class Formatter:
    """The narrative's filters, rounding by the report's rule."""

    def __init__(self, rounding: str) -> None:
        self.mode = ROUNDING[rounding]

    def _round(self, value: float | Decimal, decimals: int) -> Decimal:
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=self.mode)

    def number(self, figure: Figure) -> str:
        return str(self._round(figure.value, 0))

    def count(self, figure: Figure) -> str:
        return f"{self.number(figure)}{figure.unit}"

    def pct(self, figure: Figure, decimals: int = 1) -> str:
        return f"{self._round(Decimal(str(figure.value)) * 100, decimals)}%"

    def yoy(self, figure: Figure, decimals: int = 1) -> str:
        if figure.change is None:
            raise MissingFigureError(
                f"metric {figure.metric_id!r} ({figure.label}) has no prior-year value for a year-on-year change"
            )
        change = self._round(abs(Decimal(str(figure.change))) * 100, decimals)
        if change == 0:
            return "持平"
        return f"{'上升' if figure.change > 0 else '下降'}{change}%"

    def wan(self, figure: Figure, decimals: int = 1) -> str:
        return f"{self._round(Decimal(str(figure.value)) / 10000, decimals)}万{figure.unit}"

    def approx(self, figure: Figure, step: int) -> str:
        floor = int(Decimal(str(figure.value)) // step * step)
        return f"{floor}余{figure.unit}"

    def filters(self) -> dict[str, Any]:
        return {"number": self.number, "count": self.count, "pct": self.pct, "yoy": self.yoy,
                "wan": self.wan, "approx": self.approx, "cn_date": cn_date}


def cn_date(date: dt.date) -> str:
    """A date as official documents print it: 2022年2月28日, no zero padding."""
    return f"{date.year}年{date.month}月{date.day}日"
