"""A generic report pack for the manager: titled tables and bar charts (domain-rules §9).

Used for the budget pack ("budget against actual by month", income and cost by
funding source) and the manager's pack. Sections are plain values: a
:class:`ReportTable` of strings (numeric columns are right-aligned), a
:class:`BarChart` of Decimal series drawn with rectangles and lines, a
:class:`Histogram` of counts per band, a :class:`Headlines` grid of big figures,
a :class:`ReportNote` paragraph, or a :class:`PageBreak`.

No page holds a single row of a table on its own (a total row is no company: one
row and the total is an orphan too): a table starts where its heading, header and
first two rows fit, a page leaves the next two rows, and a table of one or two
rows (and its total) is never broken. The header repeats on every page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import ClassVar

from invoices.formats import doc_date
from invoices.pdf import Column, PdfCanvas, latin1
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
    value_labels: bool = False  # each bar's figure printed at its end (for a few bars, e.g. balances)

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
class Histogram:
    """How many things fall in each band (e.g. cases per band of cost): touching bars, each with its count.

    Build one from the values with :meth:`of`, which chooses round bands; ``bands`` are their labels.
    """

    title: str
    bands: Sequence[str]
    counts: Sequence[int]
    x_label: str | None = None
    y_label: str = "cases"

    def __post_init__(self) -> None:
        object.__setattr__(self, "bands", tuple(self.bands))
        object.__setattr__(self, "counts", tuple(self.counts))
        if not self.bands:
            raise InvalidInput(f'Histogram "{self.title}" needs at least one band.')
        if len(self.counts) != len(self.bands):
            raise InvalidInput(f'Histogram "{self.title}" has {len(self.counts)} counts for {len(self.bands)} bands.')
        if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in self.counts):
            raise InvalidInput(f'Histogram "{self.title}" counts must be whole numbers, not negative.')

    @classmethod
    def of(cls, title: str, values: Sequence[Decimal], *, bands: int = 8, unit: str = "£",
           x_label: str | None = None, y_label: str = "cases") -> Histogram:
        """Counts of ``values`` in about ``bands`` bands of a round width; a band holds its lower
        figure and not its upper one ("£3,000 to £3,500" counts 3,000.00 but not 3,500.00)."""
        if not values:
            raise InvalidInput(f'Histogram "{title}" has no values.')
        edges = band_edges([Decimal(v) for v in values], bands)
        step = edges[1] - edges[0]
        counts = [0] * (len(edges) - 1)
        for value in values:
            counts[min(int((Decimal(value) - edges[0]) // step), len(counts) - 1)] += 1
        labels = [f"{tick_label(lo, step, unit)} to {tick_label(hi, step, unit)}"
                  for lo, hi in zip(edges, edges[1:], strict=False)]
        return cls(title, labels, counts, x_label, y_label)


@dataclass(frozen=True)
class Headline:
    """One big figure: its label, the value as printed (e.g. "87.3%", "£1,234.00"), an optional line
    under it, and its ``tone`` ("favourable" or "adverse" colours the value)."""

    label: str
    value: str
    detail: str = ""
    tone: str | None = None


@dataclass(frozen=True)
class Headlines:
    """A grid of headline figures, ``columns`` to a row, under a title and the period they cover."""

    title: str
    figures: Sequence[Headline]
    period: str = ""
    columns: int = 4

    def __post_init__(self) -> None:
        object.__setattr__(self, "figures", tuple(self.figures))
        if not self.figures:
            raise InvalidInput(f'Headlines "{self.title}" has no figures.')
        if self.columns < 1:
            raise InvalidInput(f'Headlines "{self.title}" needs at least one column.')
        for figure in self.figures:
            if figure.tone not in (None, "favourable", "adverse"):
                raise InvalidInput(f'Headline "{figure.label}" tone must be favourable or adverse.')


@dataclass(frozen=True)
class ReportNote:
    """A paragraph of commentary between tables and charts."""

    text: str
    title: str | None = None


@dataclass(frozen=True)
class PageBreak:
    """What follows starts on a new page."""


ReportSection = ReportTable | BarChart | Histogram | Headlines | ReportNote | PageBreak

CURRENCY_SIGNS = ("£",)
_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


def nice_step(raw: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 × a power of ten that is at least ``raw`` (> 0)."""
    magnitude = Decimal(1).scaleb(raw.adjusted())
    return next(m * magnitude for m in _STEPS if m * magnitude >= raw)


def nice_scale(low: Decimal, high: Decimal, ticks: int = 5, *, whole: bool = False) -> tuple[Decimal, Decimal, Decimal]:
    """(axis minimum, axis maximum, step): round numbers covering ``low``..``high`` and zero;
    ``whole`` for counts, whose step is never below 1."""
    low, high = min(Decimal(low), Decimal(0)), max(Decimal(high), Decimal(0))
    if low == high:
        high = Decimal(1)
    step = nice_step((high - low) / ticks)
    if whole:
        step = max(step, Decimal(1)).to_integral_value(rounding=ROUND_CEILING)
    axis_low = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    axis_high = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    return axis_low, axis_high, step


def band_edges(values: Sequence[Decimal], bands: int = 8) -> list[Decimal]:
    """Edges of round bands of one width covering ``values``: the first edge at or below the smallest,
    the last above the largest (a value on an edge belongs to the band above it)."""
    low, high = min(values), max(values)
    step = nice_step((high - low) / bands) if high > low else nice_step(abs(high) / bands or Decimal(1))
    first = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    edges = [first]
    while edges[-1] <= high:
        edges.append(edges[-1] + step)
    return edges


_SLACK = 0.05  # mm: a plan that fits exactly must not be broken by the drawing's rounding


def plan_table_pages(heights: Sequence[float], header: float, first_room: float, page_room: float, *,
                     total_row: bool = False) -> list[tuple[int, int]]:
    """Which rows go on which page, as (start, stop) per page, for rows ``heights`` mm tall under a
    ``header`` mm header repeated on each page, with ``first_room`` mm left on this page and
    ``page_room`` mm on each new one.

    Every page holds at least two body rows: a ``total_row`` (the last row) is no company for a
    row alone, so one row and the total on a page is an orphan, and the total never stands alone.
    A table of one or two body rows is never broken. Each page takes as many rows as fit, less
    what the next page needs to hold two body rows. The first part is empty when this page cannot
    hold its share (the caller starts the table on a new page); only a page too small for any
    plan (fewer rows than the rule needs) breaks the rule, taking what fits, at least one row.
    """
    count = len(heights)
    body = count - 1 if total_row and count else count

    def body_rows(start: int, stop: int) -> int:
        return max(0, min(stop, body) - start)

    def greedy(start: int, room: float) -> int:
        used, stop = header, start
        while stop < count and used + heights[stop] <= room - _SLACK:
            used += heights[stop]
            stop += 1
        return stop

    parts: list[tuple[int, int]] = []
    start, room = 0, first_room
    while start < count or not parts:
        fit = greedy(start, room)
        stop = fit
        if stop < count:  # the table goes on: leave the next page two body rows
            stop = min(stop, body - 2) if body > 2 else start
            if body_rows(start, stop) < min(2, body):
                stop = start
        if stop == start and start < count and (parts or room >= page_room - _SLACK):
            stop = max(fit, start + 1)  # a page too small for the rule: what fits, at least one row
        parts.append((start, stop))
        start, room = stop, page_room
    return parts


def parts_hold_two_rows(parts: Sequence[tuple[int, int]], rows: int, *, total_row: bool = False) -> bool:
    """No page holds a single body row of the table, or a total row alone (a table of one or two
    body rows: all on one page); an empty first part (the table starts on the next page) is allowed."""
    body = rows - 1 if total_row and rows else rows
    drawn = [(a, b) for n, (a, b) in enumerate(parts) if b > a or n]
    if body <= 2:
        return len(drawn) == 1
    return all(min(b, body) - a >= 2 for a, b in drawn)


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
    HEADING_SIZE: ClassVar[float] = 11.0
    HEADING_H: ClassVar[float] = HEADING_SIZE * 0.5 + 1.5  # as PdfCanvas.heading advances the page
    FAVOURABLE: ClassVar[tuple[int, int, int]] = (30, 120, 60)
    ADVERSE: ClassVar[tuple[int, int, int]] = (190, 40, 40)
    HEADLINE_SIZE: ClassVar[float] = 20.0
    HEADLINE_GAP: ClassVar[float] = 5.0

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
            elif isinstance(section, Histogram):
                self._draw_histogram(section)
            elif isinstance(section, Headlines):
                self._draw_headlines(section)
            elif isinstance(section, ReportNote):
                self._draw_note(section)
            elif isinstance(section, PageBreak):
                self.add_page()
            else:
                raise InvalidInput("A report section must be a table, chart, histogram, headlines, note or page "
                                   f"break, not {section!r}.")
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
        bold_row = len(table.rows) - 1 if table.total_row else -1
        for size in self.TABLE_SIZES:
            natural, narrowest = [], []
            for i, header in enumerate(table.headers):
                # The header and a total row are bold, and so a little wider than the same words plain.
                texts = [(header, "B"), *((row[i], "B" if r == bold_row else "") for r, row in enumerate(table.rows))]
                longest_word = max((self._width(word, style, size) for text, style in texts for word in text.split()),
                                   default=0.0)
                widest_cell = max((self._width(text, style, size) for text, style in texts[1:]), default=0.0)
                natural.append(max(longest_word, widest_cell) + pad)
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

    def _width(self, text: str, style: str, size: float) -> float:
        self.font(style, size)
        return self.text_width(latin1(text))

    def _draw_table(self, table: ReportTable) -> None:
        """The table in parts, one per page, planned before a line is drawn so that no part holds a
        single row (widow and orphan control); each part under the table's title and header."""
        columns, size = self._fit_columns(table)
        rows = [list(row) for row in table.rows]
        bold = frozenset({len(rows) - 1}) if table.total_row and rows else frozenset()
        heights = [self._measured_row(columns, row, size, i in bold) for i, row in enumerate(rows)]
        header = self._header_height(columns, size)
        page_room = self.content_bottom - self.CONTINUATION_TOP - self.HEADING_H
        parts = plan_table_pages(heights, header, self.content_bottom - self.get_y() - self.HEADING_H, page_room,
                                 total_row=bool(bold))
        if parts[0] == (0, 0) and rows:
            parts = parts[1:]
            self.add_page()  # the whole table starts on the next page rather than leave a row alone
        for n, (start, stop) in enumerate(parts):
            if n:
                self.add_page()
            self.heading(table.title if n == 0 else f"{table.title} (continued)", size=self.HEADING_SIZE,
                         keep_with=0)
            self.draw_table(columns, rows[start:stop], size=size,
                            bold_rows=frozenset(i - start for i in bold if start <= i < stop),
                            min_rows_with_header=0)
        self.gap(7)

    def _measured_row(self, columns: Sequence[Column], row: Sequence[str], size: float, bold: bool) -> float:
        self.font("B" if bold else "", size)
        return self._row_height(columns, row, self._line_h())

    def _header_height(self, columns: Sequence[Column], size: float) -> float:
        """As draw_table_header draws it."""
        self.font("B", size)
        lines = max(len(self.wrap(col.header, col.width - 2 * self.CELL_PAD)) for col in columns)
        return lines * self._line_h() + 2 * self.CELL_PAD

    def _draw_note(self, note: ReportNote) -> None:
        if note.title:
            self.heading(note.title)
        self.paragraph(note.text, after=5)

    # headline figures
    def _draw_headlines(self, block: Headlines) -> None:
        gap = self.HEADLINE_GAP
        cell_w = (self.content_width - gap * (block.columns - 1)) / block.columns
        rows = [block.figures[i:i + block.columns] for i in range(0, len(block.figures), block.columns)]
        heights = [max(self._headline(f, 0, 0, cell_w, draw=False) for f in row) for row in rows]
        self.font("", self.SMALL_SIZE + 1)
        period_h = len(self.wrap(block.period, self.content_width)) * self._line_h() + 2 if block.period else 0.0
        self.heading(block.title, size=self.HEADING_SIZE, keep_with=period_h + heights[0])
        if block.period:
            self.paragraph(block.period, size=self.SMALL_SIZE + 1, colour=self.MUTED, after=2)
        for row, height in zip(rows, heights, strict=True):
            self.ensure_space(height)
            y = self.get_y()
            for i, figure in enumerate(row):
                x = self.MARGIN_LEFT + i * (cell_w + gap)
                self.set_fill_color(*self.SHADE)
                self.rect(x, y, cell_w, height, "F")
                self.set_fill_color(*self._tone(figure.tone))
                self.rect(x, y, 1.2, height, "F")
                self._headline(figure, x, y, cell_w, draw=True)
            self.set_y(y + height + gap)
        self.ink()
        self.font()
        self.gap(2)

    def _tone(self, tone: str | None) -> tuple[int, int, int]:
        return {"favourable": self.FAVOURABLE, "adverse": self.ADVERSE}.get(tone or "", self.ACCENT)

    def _headline(self, figure: Headline, x: float, y: float, w: float, *, draw: bool) -> float:
        """Label, big value and detail in a cell ``w`` wide at (x, y); returns the cell's height."""
        pad = 3.0
        inner = w - 2 * pad - 1.2
        left, top = x + pad + 1.2, y + pad
        self.font("B", self.SMALL_SIZE + 0.5)
        self.ink(self.MUTED)
        line_h = self._line_h()
        for line in self.wrap(figure.label, inner):
            if draw:
                self.put(left, top, inner, line, line_h=line_h)
            top += line_h
        top += 0.8
        size = next((s for s in (self.HEADLINE_SIZE, 18.0, 16.0, 14.0, 12.0)
                     if self._fits(figure.value, "B", s, inner)), 10.0)
        self.font("B", size)
        self.ink(self.INK if figure.tone is None else self._tone(figure.tone))
        value_h = size * 0.45
        if draw:
            self.put(left, top, inner, figure.value, line_h=value_h)
        top += value_h + 0.8
        if figure.detail:
            self.font("", self.SMALL_SIZE)
            self.ink(self._tone(figure.tone) if figure.tone else self.MUTED)
            line_h = self._line_h()
            for line in self.wrap(figure.detail, inner):
                if draw:
                    self.put(left, top, inner, line, line_h=line_h)
                top += line_h
        self.ink()
        return top + pad - y

    def _fits(self, text: str, style: str, size: float, width: float) -> bool:
        self.font(style, size)
        return self.text_width(latin1(text)) <= width

    # charts
    def _draw_chart(self, chart: BarChart) -> None:
        values = [Decimal(v) for _, series in chart.series for v in series]
        self._draw_bars(chart.title, chart.categories, chart.series, nice_scale(min(values), max(values)),
                        y_label=chart.y_label, x_label=chart.x_label, fill=self.GROUP_FILL, legend=True,
                        value_labels=chart.value_labels)

    def _draw_histogram(self, histogram: Histogram) -> None:
        counts = tuple(Decimal(c) for c in histogram.counts)
        self._draw_bars(histogram.title, histogram.bands, ((histogram.y_label, counts),),
                        nice_scale(Decimal(0), max(counts), whole=True), y_label=histogram.y_label,
                        x_label=histogram.x_label, fill=0.96, legend=False, value_labels=True)

    def _draw_bars(self, title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]],
                   scale: tuple[Decimal, Decimal, Decimal], *, y_label: str, x_label: str | None, fill: float,
                   legend: bool, value_labels: bool) -> None:
        """Bars from a zero line on a value axis of round ticks: up for a positive value, down for
        a negative one; one group per category, one bar per series."""
        label_lines = 2
        legend_h = self.LEGEND_H if legend else self.LEGEND_H / 2
        height = legend_h + self.CHART_H + self.CATEGORY_H + (5 if x_label else 0) + 4
        self.heading(title, keep_with=height)
        top = self.get_y()
        if legend:
            self._draw_legend(series, top)
        plot_x = self.MARGIN_LEFT + self.AXIS_W
        plot_y = top + legend_h
        plot_w = self.content_width - self.AXIS_W
        low, high, step = scale
        ratio = Decimal(str(self.CHART_H)) / (high - low)

        def y_of(value: Decimal) -> float:
            # Geometry only: a money value becomes a distance in mm here and nowhere else.
            return plot_y + float((high - Decimal(value)) * ratio)

        self._draw_grid(y_label, plot_x, plot_w, low, high, step, y_of)
        group_w = plot_w / len(categories)
        bar_w = group_w * fill / len(series)
        zero = y_of(Decimal(0))
        for c, category in enumerate(categories):
            left = plot_x + c * group_w + group_w * (1 - fill) / 2
            for s, (_, values) in enumerate(series):
                top_y, bottom_y = sorted((y_of(values[c]), zero))
                if bottom_y - top_y > 0.01:
                    self.set_fill_color(*self.PALETTE[s % len(self.PALETTE)])
                    self.rect(left + s * bar_w, top_y, bar_w, bottom_y - top_y, "F")
                if value_labels and values[c]:
                    self._value_label(values[c], y_label, left + s * bar_w, bar_w, top_y, bottom_y)
            self._draw_category(category, plot_x + c * group_w, group_w, plot_y + self.CHART_H + 1.2, label_lines)
        self.set_draw_color(*self.INK)
        self.line(plot_x, plot_y, plot_x, plot_y + self.CHART_H)
        self.line(plot_x, zero, plot_x + plot_w, zero)
        self.set_draw_color(*self.RULE)
        bottom = plot_y + self.CHART_H + self.CATEGORY_H
        if x_label:
            self.font("B", self.SMALL_SIZE)
            self.put(plot_x, bottom, plot_w, x_label, "C", self.SMALL_LINE_H)
            bottom += 5
        self.font()
        self.set_y(bottom + 6)

    def _value_label(self, value: Decimal, unit: str, x: float, w: float, top_y: float, bottom_y: float) -> None:
        """The bar's figure just beyond its end: above a positive bar, below a negative one."""
        self.font("B", self.SMALL_SIZE - 0.5)
        text = tick_label(value.to_integral_value(rounding=ROUND_HALF_UP), Decimal(1), unit)
        line_h = self.SMALL_LINE_H
        y = top_y - line_h - 0.3 if value > 0 else bottom_y + 0.3
        self.put(x - 4, y, w + 8, text, "C", line_h)
        self.font()

    def _draw_legend(self, series: Sequence[tuple[str, Sequence[Decimal]]], top: float) -> None:
        self.font("", self.SMALL_SIZE + 0.5)
        x = self.MARGIN_LEFT + self.AXIS_W
        for s, (name, _) in enumerate(series):
            self.set_fill_color(*self.PALETTE[s % len(self.PALETTE)])
            self.rect(x, top + 0.8, 3, 3, "F")
            self.put(x + 4.5, top, self.content_width, name, line_h=self.SMALL_LINE_H + 1)
            x += 4.5 + self.text_width(name) + 8
        self.font()

    def _draw_grid(self, y_label: str, plot_x: float, plot_w: float, low: Decimal, high: Decimal,
                   step: Decimal, y_of: Callable[[Decimal], float]) -> None:
        self.font("", self.SMALL_SIZE)
        self.ink(self.MUTED)
        tick = low
        while tick <= high:
            y = y_of(tick)
            self.set_draw_color(*self.GRID)
            self.line(plot_x, y, plot_x + plot_w, y)
            self.put(self.MARGIN_LEFT, y - self.SMALL_LINE_H / 2, self.AXIS_W - 2,
                     tick_label(tick, step, y_label), "R", self.SMALL_LINE_H)
            tick += step
        if y_label and y_label not in CURRENCY_SIGNS:  # a currency is already on every tick
            self.font("B", self.SMALL_SIZE)
            self.put(self.MARGIN_LEFT, y_of(high) - self.SMALL_LINE_H - 2.5, self.AXIS_W - 2, y_label, "R",
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
    CHART_H: ClassVar[float] = 50.0  # two charts to a page


def render_report(title: str, subtitle: str, sections: Sequence[ReportSection], *,
                  as_of: date | None = None, landscape: bool = False) -> bytes:
    """The manager's report pack as a PDF: each table or chart in order (§9, budget against actual).

    ``as_of`` is printed as the preparation date and fixes the PDF's creation
    date; without it the file carries a fixed date, never the clock's.
    """
    renderer = LandscapeReportRenderer if landscape else ReportRenderer
    return renderer(title, subtitle, as_of).render(sections)
