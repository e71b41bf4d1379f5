"""Figures as the report prints them: metric lookup, the narrative's filters and the table's cells.

In the narrative, `m.<metric_id>` is a Figure; filters turn it into text: `count` (value and unit;
`count(zero='暂无')` prints 暂无 where the value prints as 0), `number`, `diff(n)` (the change against the prior
year in the figure's unit: 增加12件 / 减少3件 / 持平), `yoy(n)` (the relative change: 上升43.9% / 下降… / 持平),
`approx(step)` (rounded down, with 余), `wan(n)` (yuan as 万元); for a rate (unit %) `pct(n)` and `points(n)`
(against its prior year, or `points(n, m.<other>)` against another rate, in 百分点). `n` is the decimals printed
(count, number and diff print none unless given one). A change is said in a wording: `yoy(1, '增加/减少')`,
`diff(0, '上升/下降')`, `points(1, wording='提高/降低')` (WORDINGS; by default yoy says 上升/下降, diff 增加/减少
and points 提高/下降). A filter refuses a figure of a unit it does not print (a count as a percentage, a rate
as a count). Rounding (half-up or truncate) is a setting of the report spec. The formatter records how the body
prints each figure (unit, decimals, and the decimals of its change), and `table_cells` prints it so in a table.
A series is a set of metric rows `<series>.<category>` (one per category, for a chart).
A draft prints a figure without data as a marked gap (【待补：…】) instead of stopping.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import wraps
from typing import Any

import polars as pl

from annual_report.intake.contracts import Contract

ROUNDING = {"half_up": ROUND_HALF_UP, "truncate": ROUND_DOWN}
RATE = "%"  # the unit of a rate: a share of 1, printed as a percentage
# the words a change is said in, rise/fall
WORDINGS = ("上升/下降", "增加/减少", "提高/降低", "提高/下降")
SIGNS = ("+", "-")  # a change as the attachment's table prints it
GAP_OPENS = "【待补："  # how a gap's text starts


class MissingFigureError(LookupError):
    """The narrative needs a figure the metrics table cannot give; the message says which and why."""


class UnknownMetricError(MissingFigureError):
    """The narrative names a metric no declaration or model computes (a typo, most often): a draft stops on it too."""


class FilterError(ValueError):
    """The narrative prints a figure with a filter that does not print its unit (a count as a percentage, a rate
    as a count), or in a wording the filters do not have; the message names the metric and the filter."""


NO_VALUE = "—"


@dataclass(frozen=True)
class Printing:
    """How a figure's value prints: in a unit, scaled by a factor, to a number of decimals."""

    unit: str
    factor: float
    decimals: int


# how the attachment's table prints a unit the body does not print a figure in
TABLE_UNITS = {"%": Printing("%", 100, 1), "元": Printing("万元", 1 / 10000, 1)}
YOY_DECIMALS = 1  # a relative change in the table, unless the body prints the figure's with yoy(n)


@dataclass(frozen=True)
class Figure:
    metric_id: str
    label: str
    value: float
    unit: str
    prior_value: float | None
    change: float | None

    def __str__(self) -> str:
        """A figure is printed through a filter, which says how: never as it is."""
        raise FilterError(f"the narrative prints metric {self.metric_id!r} ({self.label}) without a filter: write "
                          f"{{{{ m.{self.metric_id} | count }}}} for a count, | pct(1) for a rate (see the README's "
                          "filters)")


@dataclass(frozen=True)
class Gap:
    """What a draft prints where a figure has no data: a marked gap naming it (and the metric, when a figure's)."""

    label: str
    metric_id: str | None = None

    def __str__(self) -> str:
        return f"{GAP_OPENS}{self.label}】"


class Figures:
    """The `m` of the narrative: `m.legal_aid_cases` is that metric's Figure, or a clear error (a Gap in a draft)."""

    def __init__(self, metrics: pl.DataFrame, contracts: dict[str, Contract], year: int, draft: bool = False) -> None:
        self._rows = {row["metric_id"]: row for row in metrics.iter_rows(named=True)}
        self._contracts = contracts
        self._year = year
        self._draft = draft

    def __getattr__(self, metric_id: str) -> Figure | Gap | Categories:
        if metric_id.startswith("_"):
            raise AttributeError(metric_id)
        if metric_id not in self._rows and any(other.startswith(f"{metric_id}.") for other in self._rows):
            return Categories(self, metric_id)
        return self.get(metric_id)

    def get(self, metric_id: str) -> Figure | Gap:
        """The metric's Figure; an unknown metric fails naming it, and one without data naming its datasets
        (or is a Gap in a draft)."""
        row = self._rows.get(metric_id)
        if row is None:
            hint = difflib.get_close_matches(metric_id, list(self._rows), n=1)
            raise UnknownMetricError(
                f"the narrative uses metric {metric_id!r}, which no metric of the catalogue computes "
                f"(sql/metrics/, the region's metrics/)"
                + (f"; did you mean {hint[0]!r}?" if hint else f" (computed: {', '.join(sorted(self._rows))})")
            )
        if row["value"] is None:
            if self._draft:
                return Gap(row["label"], metric_id)
            missing = [self._contracts[d] for d in row["datasets"]]
            feeds = "; ".join(f"{c.dataset} ({c.title}, from {c.department}: inputs/{self._year}/{c.department}/)"
                              for c in missing)
            raise MissingFigureError(
                f"metric {metric_id!r} ({row['label']}) has no value for {self._year}: "
                f"it needs a loaded submission of {feeds}"
            )
        return Figure(metric_id, row["label"], row["value"], row["unit"], row["prior_value"], row["change"])

    def series(self, name: str) -> list[Figure]:
        """The figures of the rows `<name>.<category>`, largest first, 其他 last (in a draft, those with data)."""
        ids = [metric_id for metric_id in self._rows if metric_id.startswith(f"{name}.")]
        if not ids:
            raise MissingFigureError(
                f"series {name!r} has no rows for {self._year}: no metric of the catalogue returns metric ids "
                f"'{name}.<category>', or its ledger has no rows this year"
            )
        figures = [self.get(metric_id) for metric_id in ids]
        return sorted((f for f in figures if isinstance(f, Figure)),
                      key=lambda f: (f.label.startswith("其他"), -f.value, f.label))  # 其他 (other) last


@dataclass(frozen=True)
class Categories:
    """`m.<series>` of a metric by category: `m.<series>['<category>']` is that category's Figure."""

    figures: Figures
    name: str

    def __getitem__(self, category: str) -> Figure | Gap:
        return self.figures.get(f"{self.name}.{category}")


def _prints(unit: str, only: bool) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """A filter that refuses each figure it is given whose unit is not `unit` (only) or is `unit` (not only),
    naming the figure and the filter."""

    def refusing(filter_: Callable[..., str]) -> Callable[..., str]:
        @wraps(filter_)
        def checked(formatter: Formatter, *arguments: Any, **keywords: Any) -> str:
            for figure in (*arguments, *keywords.values()):
                if isinstance(figure, Figure) and (figure.unit == unit) != only:
                    prints = f"prints only figures in {unit!r}" if only else f"does not print figures in {unit!r}"
                    raise FilterError(f"the narrative prints metric {figure.metric_id!r} ({figure.label}), whose unit "
                                      f"is {figure.unit!r}, with `{filter_.__name__}`, which {prints}")
            return filter_(formatter, *arguments, **keywords)

        return checked

    return refusing


class Formatter:
    """The narrative's filters, rounding by the report's rule; it records how the body prints each figure (its
    value, and its change against the prior year), so that the attachment's table prints it the same way."""

    def __init__(self, rounding: str) -> None:
        self.mode = ROUNDING[rounding]
        self.printed: dict[str, Printing] = {}        # metric id -> how the body prints its value
        self.change_decimals: dict[str, int] = {}     # metric id -> decimals of its change (yoy, points)

    def _record(self, figure: Figure, printing: Printing) -> None:
        """Record that the body prints figure so; printed two ways, the table takes the more precise."""
        known = self.printed.get(figure.metric_id)
        if known is None or printing.decimals > known.decimals:
            self.printed[figure.metric_id] = printing

    def _record_change(self, figure: Figure, decimals: int) -> None:
        self.change_decimals[figure.metric_id] = max(decimals, self.change_decimals.get(figure.metric_id, 0))

    def _round(self, value: float | Decimal, decimals: int) -> Decimal:
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=self.mode)

    @_prints(RATE, only=False)
    def number(self, figure: Figure, decimals: int = 0) -> str:
        self._record(figure, Printing(figure.unit, 1, decimals))
        return str(self._round(figure.value, decimals))

    @_prints(RATE, only=False)
    def count(self, figure: Figure, decimals: int = 0, zero: str | None = None) -> str:
        """The value and its unit (197件); `zero` instead, when given, where the value prints as 0 (暂无)."""
        self._record(figure, Printing(figure.unit, 1, decimals))
        value = self._round(figure.value, decimals)
        return zero if zero is not None and value == 0 else f"{value}{figure.unit}"

    @_prints(RATE, only=True)
    def pct(self, figure: Figure, decimals: int = 1) -> str:
        self._record(figure, Printing(RATE, 100, decimals))
        return f"{self._round(_exact(figure.value) * 100, decimals)}%"

    @_prints(RATE, only=False)
    def yoy(self, figure: Figure, decimals: int = 1, wording: str = "上升/下降") -> str:
        """The change against the prior year relative to it: 上升43.9%, 下降…, 持平 (a rate's is in `points`)."""
        if figure.change is None:
            raise MissingFigureError(
                f"metric {figure.metric_id!r} ({figure.label}) has no prior-year value for a year-on-year change"
            )
        self._record_change(figure, decimals)
        return self._said(_exact(figure.change) * 100, decimals, _words(figure, "yoy", wording), "%")

    @_prints(RATE, only=False)
    def diff(self, figure: Figure, decimals: int = 0, wording: str = "增加/减少") -> str:
        """The change against the prior year in the figure's unit: 增加12件, 减少3件, 持平."""
        if figure.prior_value is None:
            raise MissingFigureError(
                f"metric {figure.metric_id!r} ({figure.label}) has no prior-year value to print the change against"
            )
        difference = _exact(figure.value) - _exact(figure.prior_value)
        return self._said(difference, decimals, _words(figure, "diff", wording), figure.unit)

    @_prints(RATE, only=True)
    def points(self, figure: Figure, decimals: int = 1, base: Figure | None = None,
               wording: str = "提高/下降") -> str:
        """A rate against its prior year, or against another rate: 提高2.3个百分点, 下降…, 持平."""
        if base is None and figure.prior_value is None:
            raise MissingFigureError(
                f"metric {figure.metric_id!r} ({figure.label}) has no prior-year value to compare in percentage points"
            )
        if base is None:
            self._record_change(figure, decimals)
        reference = figure.prior_value if base is None else base.value
        difference = _exact(figure.value) - _exact(reference)
        return self._said(difference * 100, decimals, _words(figure, "points", wording), "个百分点")

    def table_cells(self, figure: Figure) -> tuple[str, str, str, str]:
        """Unit, value, prior-year value and change as the attachment's table prints them ("—" for none): at the
        precision and in the unit the body prints the figure (TABLE_UNITS' rule for a figure it does not)."""
        printing = self.printed.get(figure.metric_id) or TABLE_UNITS.get(figure.unit, Printing(figure.unit, 1, 0))

        def scaled(value: float | None) -> str:
            if value is None:
                return NO_VALUE
            return str(self._round(_exact(value) * _exact(printing.factor), printing.decimals))

        if figure.prior_value is None:
            change = NO_VALUE
        elif figure.unit == RATE:
            decimals = self.change_decimals.get(figure.metric_id, printing.decimals)
            change = self._said((_exact(figure.value) - _exact(figure.prior_value)) * 100, decimals, SIGNS, "个百分点")
        elif figure.change is None:
            change = NO_VALUE
        else:
            decimals = self.change_decimals.get(figure.metric_id, YOY_DECIMALS)
            change = self._said(_exact(figure.change) * 100, decimals, SIGNS, "%")
        return printing.unit, scaled(figure.value), scaled(figure.prior_value), change

    def _said(self, change: Decimal, decimals: int, words: tuple[str, str], suffix: str) -> str:
        """A change as its word for a rise or a fall and its size, rounded: 增加12件, -2.3个百分点, or 持平."""
        size = self._round(abs(change), decimals)
        return "持平" if size == 0 else f"{words[0] if change > 0 else words[1]}{size}{suffix}"

    @_prints("元", only=True)
    def wan(self, figure: Figure, decimals: int = 1) -> str:
        self._record(figure, Printing(f"万{figure.unit}", 1 / 10000, decimals))
        return f"{self._round(_exact(figure.value) / 10000, decimals)}万{figure.unit}"

    @_prints(RATE, only=False)
    def approx(self, figure: Figure, step: int) -> str:
        floor = int(_exact(figure.value) // step * step)
        return f"{floor}余{figure.unit}"

    def filters(self, draft: bool = False) -> dict[str, Any]:
        """The narrative's filters; a draft's print gaps (a figure or a prior year without data) as marked."""
        filters = {"number": self.number, "count": self.count, "pct": self.pct, "yoy": self.yoy, "diff": self.diff,
                   "points": self.points, "wan": self.wan, "approx": self.approx}
        if draft:
            filters = {name: _marking_gaps(filter_) for name, filter_ in filters.items()}
        return filters | {"cn_date": cn_date}


def _words(figure: Figure, filter_: str, wording: str) -> tuple[str, str]:
    """A wording's words for a rise and a fall; one the filters do not have fails naming the figure and filter."""
    if wording not in WORDINGS:
        raise FilterError(f"the narrative prints metric {figure.metric_id!r} ({figure.label}) with `{filter_}` in "
                          f"the wording {wording!r}, which is none of {', '.join(WORDINGS)}")
    rise, fall = wording.split("/")
    return rise, fall


def _marking_gaps(filter_: Callable[..., str]) -> Callable[..., str]:
    """A filter that prints a gap for a Gap among its figures, or for a missing prior year."""

    def marked(figure: Figure | Gap, *arguments: Any, **keywords: Any) -> str:
        gap = next((a for a in (figure, *arguments, *keywords.values()) if isinstance(a, Gap)), None)
        if gap:
            return str(gap)
        try:
            return filter_(figure, *arguments, **keywords)
        except MissingFigureError:
            return str(Gap(f"{figure.label}（{figure.metric_id}）上年数据"))

    return marked


def _exact(value: float) -> Decimal:
    """A float as the decimal it prints as, so rounding sees 0.9165, not 0.91649999…."""
    return Decimal(str(value))


def cn_date(date: dt.date) -> str:
    """A date as official documents print it: 2022年2月28日, no zero padding."""
    return f"{date.year}年{date.month}月{date.day}日"
