"""A generic report pack for the manager: titled tables and bar charts (domain-rules §9).

Used for the budget pack ("budget against actual by month", income and cost by
funding source). Sections are plain values: a :class:`ReportTable` of strings
(numeric columns are right-aligned), a :class:`BarChart` of Decimal series
drawn with rectangles and lines, or a :class:`ReportNote` paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import ClassVar

from invoices.formats import doc_date
from invoices.pdf import Column, PdfCanvas
from pricing.errors import InvalidInput

_NUMERIC = re.compile(r"^[(-]?-?£?-?[\d,]*\.?\d+%?\)?( CR)?$")


@dataclass(frozen=True)
class ReportTable:
    """A table of already-formatted strings. ``align`` (``L``/``R``/``C`` per column) overrides
    the default: right for columns whose every cell looks like a number or amount."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    align: Sequence[str] | None = None
    total_row: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", tuple(self.headers))
        object.__setattr__(self, "rows", tuple(tuple(row) for row in self.rows))
        if not self.headers:
            raise InvalidInput(f'Report table "{self.title}" has no columns.')
        for row in self.rows:
            if len(row) != len(self.headers):
                raise InvalidInput(f'Report table "{self.title}" has a row of {len(row)} cells for '
                                   f"{len(self.headers)} columns.")
            if not all(isinstance(cell, str) for cell in row):
                raise InvalidInput(f'Report table "{self.title}" cells must be formatted strings.')
        if self.align is not None:
            object.__setattr__(self, "align", tuple(self.align))
            if len(self.align) != len(self.headers) or set(self.align) - {"L", "R", "C"}:
                raise InvalidInput(f'Report table "{self.title}" needs one of L, R, C per column.')

    def alignments(self) -> tuple[str, ...]:
        if self.align is not None:
            return tuple(self.align)
        return tuple(
            "R" if (cells := [row[i].strip() for row in self.rows if row[i].strip()])
            and all(_NUMERIC.match(cell) for cell in cells) else "L"
            for i in range(len(self.headers))
        )


@dataclass(frozen=True)
class BarChart:
    """Grouped bars: one group per category, one bar per series (e.g. budget and actual per month)."""

    title: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[Decimal]]]
    y_label: str = "£"
    x_label: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "series", tuple((name, tuple(values)) for name, values in self.series))
        if not self.categories or not self.series:
            raise InvalidInput(f'Bar chart "{self.title}" needs at least one category and one series.')
        for name, values in self.series:
            if len(values) != len(self.categories):
                raise InvalidInput(f'Bar chart "{self.title}" series "{name}" has {len(values)} values for '
                                   f"{len(self.categories)} categories.")
            for value in values:
                if not isinstance(value, Decimal | int) or isinstance(value, bool) or (
                        isinstance(value, Decimal) and not value.is_finite()):
                    raise InvalidInput(f'Bar chart "{self.title}" series "{name}" has {value!r}, not a Decimal.')


@dataclass(frozen=True)
class ReportNote:
    """A paragraph of commentary between tables and charts."""

    text: str
    title: str | None = None


ReportSection = ReportTable | BarChart | ReportNote

CURRENCY_SIGNS = ("£",)
_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


def nice_scale(low: Decimal, high: Decimal, ticks: int = 5) -> tuple[Decimal, Decimal, Decimal]:
    """(axis minimum, axis maximum, step): round numbers covering ``low``..``high`` and zero."""
    low, high = min(Decimal(low), Decimal(0)), max(Decimal(high), Decimal(0))
    if low == high:
        high = Decimal(1)
    raw = (high - low) / ticks
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = next(m * magnitude for m in _STEPS if m * magnitude >= raw)
    axis_low = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    axis_high = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    return axis_low, axis_high, step


def tick_label(value: Decimal, step: Decimal, unit: str) -> str:
    places = 0 if step == step.to_integral_value() else max(0, -step.normalize().as_tuple().exponent)  # type: ignore[operator]
    sign = "-" if value < 0 else ""
    prefix = unit if unit in CURRENCY_SIGNS else ""
    return f"{sign}{prefix}{abs(value):,.{places}f}"


class ReportRenderer(PdfCanvas):
    """The manager's report pack: a title, then each section in turn, breaking pages between them."""

    TITLE_SIZE: ClassVar[float] = 16.0
    TABLE_SIZES: ClassVar[tuple[float, ...]] = (8.5, 7.5, 6.5, 6.0, 5.5)
    MIN_NUMBER_W: ClassVar[float] = 28.0
    CHART_H: ClassVar[float] = 70.0
    AXIS_W: ClassVar[float] = 22.0
    LEGEND_H: ClassVar[float] = 7.0
    CATEGORY_H: ClassVar[float] = 9.0
    GROUP_FILL: ClassVar[float] = 0.78  # share of a category's width covered by its bars
    PALETTE: ClassVar[tuple[tuple[int, int, int], ...]] = (
        (0, 72, 128), (230, 140, 30), (120, 120, 120), (60, 150, 90), (140, 80, 160), (200, 60, 60),
    )
    GRID: ClassVar[tuple[int, int, int]] = (220, 220, 220)

    def __init__(self, title: str, subtitle: str, as_of: date | None) -> None:
        super().__init__(title=title, author="", created_on=as_of, footer_left=title)
        self.report_title = title
        self.subtitle = subtitle
        self.as_of = as_of

    def render(self, sections: Sequence[ReportSection]) -> bytes:
        self.add_page()
        self._draw_title()
        for section in sections:
            if isinstance(section, ReportTable):
                self._draw_table(section)
            elif isinstance(section, BarChart):
                self._draw_chart(section)
            elif isinstance(section, ReportNote):
                self._draw_note(section)
            else:
                raise InvalidInput(f"A report section must be a table, bar chart or note, not {section!r}.")
        return self.finish()

    def _draw_title(self) -> None:
        self.font("B", self.TITLE_SIZE)
        self.ink(self.ACCENT)
        self.put(self.MARGIN_LEFT, self.MARGIN_TOP, self.content_width, self.report_title, line_h=7)
        self.set_y(self.MARGIN_TOP + 8)
        if self.subtitle:
            self.paragraph(self.subtitle, size=10, colour=self.MUTED, after=1)
        if self.as_of is not None:
            self.paragraph(f"Prepared {doc_date(self.as_of)}", size=self.SMALL_SIZE, colour=self.MUTED, after=1)
        self.rule(self.get_y() + 1)
        self.gap(6)

    # tables
    def _fit_columns(self, table: ReportTable) -> tuple[list[Column], float]:
        """Column widths from the content: shrink the type first, then let text columns wrap at
        word breaks; numbers are never broken unless nothing else will fit."""
        aligns = table.alignments()
        pad = 2 * self.CELL_PAD
        for size in self.TABLE_SIZES:
            self.font("", size)
            natural, narrowest = [], []
            for i, header in enumerate(table.headers):
                cells = [row[i] for row in table.rows]
                words = header.split() + [word for cell in cells for word in cell.split()]
                longest_word = max((self.text_width(w) for w in words), default=0.0)
                natural.append(max([longest_word] + [self.text_width(cell) for cell in cells]) + pad)
                narrowest.append(longest_word + pad if aligns[i] != "R" else natural[-1])
            if sum(narrowest) <= self.content_width:
                break
        excess = sum(natural) - self.content_width
        if excess > 0:
            give = [n - m for n, m in zip(natural, narrowest, strict=True)]
            if sum(give) >= excess:
                widths = [n - g * excess / sum(give) for n, g in zip(natural, give, strict=True)]
            else:
                widths = [w * self.content_width / sum(narrowest) for w in narrowest]  # last resort
        else:
            # Numbers get a comfortable minimum; the first (label) column takes what is left.
            widths = [max(w, self.MIN_NUMBER_W) if a == "R" else w for w, a in zip(natural, aligns, strict=True)]
            if sum(widths) > self.content_width:
                widths = natural
            widths[0] += self.content_width - sum(widths)
        return [Column(h, w, a) for h, w, a in zip(table.headers, widths, aligns, strict=True)], size

    def _draw_table(self, table: ReportTable) -> None:
        self.heading(table.title)
        columns, size = self._fit_columns(table)
        bold = frozenset({len(table.rows) - 1}) if table.total_row and table.rows else frozenset()
        self.draw_table(columns, [list(row) for row in table.rows], size=size, bold_rows=bold,
                   min_rows_with_header=min(3, len(table.rows)))
        self.gap(7)

    def _draw_note(self, note: ReportNote) -> None:
        if note.title:
            self.heading(note.title)
        self.paragraph(note.text, after=5)

    # charts
    def _draw_chart(self, chart: BarChart) -> None:
        label_lines = 2
        height = self.LEGEND_H + self.CHART_H + self.CATEGORY_H + (5 if chart.x_label else 0) + 4
        self.heading(chart.title, keep_with=height)
        top = self.get_y()
        self._draw_legend(chart, top)
        plot_x = self.MARGIN_LEFT + self.AXIS_W
        plot_y = top + self.LEGEND_H
        plot_w = self.content_width - self.AXIS_W
        values = [Decimal(v) for _, series in chart.series for v in series]
        low, high, step = nice_scale(min(values), max(values))
        scale = Decimal(str(self.CHART_H)) / (high - low)

        def y_of(value: Decimal) -> float:
            # Geometry only: a money value becomes a distance in mm here and nowhere else.
            return plot_y + float((high - Decimal(value)) * scale)

        self._draw_grid(chart, plot_x, plot_w, low, high, step, y_of)
        group_w = plot_w / len(chart.categories)
        bar_w = group_w * self.GROUP_FILL / len(chart.series)
        zero = y_of(Decimal(0))
        for c, category in enumerate(chart.categories):
            left = plot_x + c * group_w + group_w * (1 - self.GROUP_FILL) / 2
            for s, (_, series) in enumerate(chart.series):
                top_y, bottom_y = sorted((y_of(series[c]), zero))
                if bottom_y - top_y > 0.01:
                    self.set_fill_color(*self.PALETTE[s % len(self.PALETTE)])
                    self.rect(left + s * bar_w, top_y, bar_w, bottom_y - top_y, "F")
            self._draw_category(category, plot_x + c * group_w, group_w, plot_y + self.CHART_H + 1.2, label_lines)
        self.set_draw_color(*self.INK)
        self.line(plot_x, plot_y, plot_x, plot_y + self.CHART_H)
        self.line(plot_x, zero, plot_x + plot_w, zero)
        self.set_draw_color(*self.RULE)
        bottom = plot_y + self.CHART_H + self.CATEGORY_H
        if chart.x_label:
            self.font("B", self.SMALL_SIZE)
            self.put(plot_x, bottom, plot_w, chart.x_label, "C", self.SMALL_LINE_H)
            bottom += 5
        self.font()
        self.set_y(bottom + 6)

    def _draw_legend(self, chart: BarChart, top: float) -> None:
        self.font("", self.SMALL_SIZE + 0.5)
        x = self.MARGIN_LEFT + self.AXIS_W
        for s, (name, _) in enumerate(chart.series):
            self.set_fill_color(*self.PALETTE[s % len(self.PALETTE)])
            self.rect(x, top + 0.8, 3, 3, "F")
            self.put(x + 4.5, top, self.content_width, name, line_h=self.SMALL_LINE_H + 1)
            x += 4.5 + self.text_width(name) + 8
        self.font()

    def _draw_grid(self, chart: BarChart, plot_x: float, plot_w: float, low: Decimal, high: Decimal,
                   step: Decimal, y_of: Callable[[Decimal], float]) -> None:
        self.font("", self.SMALL_SIZE)
        self.ink(self.MUTED)
        tick = low
        while tick <= high:
            y = y_of(tick)
            self.set_draw_color(*self.GRID)
            self.line(plot_x, y, plot_x + plot_w, y)
            self.put(self.MARGIN_LEFT, y - self.SMALL_LINE_H / 2, self.AXIS_W - 2,
                     tick_label(tick, step, chart.y_label), "R", self.SMALL_LINE_H)
            tick += step
        if chart.y_label and chart.y_label not in CURRENCY_SIGNS:  # a currency is already on every tick
            self.font("B", self.SMALL_SIZE)
            self.put(self.MARGIN_LEFT, y_of(high) - self.SMALL_LINE_H - 2.5, self.AXIS_W - 2, chart.y_label, "R",
                     self.SMALL_LINE_H)
        self.ink()
        self.set_draw_color(*self.RULE)

    def _draw_category(self, category: str, x: float, width: float, y: float, max_lines: int) -> None:
        self.font("", self.SMALL_SIZE)
        lines = self.wrap(category, width - 1)[:max_lines]
        for i, line in enumerate(lines):
            self.put(x, y + i * self.SMALL_LINE_H, width, line, "C", self.SMALL_LINE_H)


class LandscapeReportRenderer(ReportRenderer):
    """The same pack on landscape A4, for wide tables (twelve months and a total)."""

    ORIENTATION: ClassVar[str] = "L"
    CHART_H: ClassVar[float] = 62.0


def render_report(title: str, subtitle: str, sections: Sequence[ReportSection], *,
                  as_of: date | None = None, landscape: bool = False) -> bytes:
    """The manager's report pack as a PDF: each table or chart in order (§9, budget against actual).

    ``as_of`` is printed as the preparation date and fixes the PDF's creation
    date; without it the file carries a fixed date, never the clock's.
    """
    renderer = LandscapeReportRenderer if landscape else ReportRenderer
    return renderer(title, subtitle, as_of).render(sections)
