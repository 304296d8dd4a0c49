"""Invoice and credit-note PDFs (domain-rules §7), plus the page toolkit the other renderers share.

:class:`PdfCanvas` is an A4 fpdf2 page with the house style: core Helvetica
(latin-1, so every string goes through :func:`latin1`), a running head on
continuation pages, a "Page X of Y" footer, word-wrapped text and tables that
break across pages with their header repeated. :class:`DocumentRenderer` draws
an issued :class:`~invoices.documents.Document` as a UK VAT invoice or a credit
note. Renderers never read the clock: the PDF's creation date is the
document's own date, so the same document always renders to the same bytes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar, Self

from fpdf import FPDF
from fpdf.fonts import CORE_FONTS_CHARWIDTHS, CoreFont

from invoices.documents import Document, Line, Party, PaymentDetails, vat_summary
from invoices.formats import doc_amount, doc_date, doc_period, doc_pounds

# --- text helpers --------------------------------------------------------------------------

_LATIN1_SWAPS = {
    "\u2014": "-",  # em dash
    "\u2013": "-",  # en dash
    "\u2012": "-",
    "\u2212": "-",  # minus sign
    "\u2010": "-",
    "\u2011": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2026": "...",
    "\u2022": "-",  # bullet
    "\u20ac": "EUR",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u200b": "",
    "\ufeff": "",
    "\t": " ",
}
_LATIN1_TABLE = str.maketrans(_LATIN1_SWAPS)
_TEXT_CACHE = 16384  # distinct strings remembered: every label of a run, and a batch of documents' own words


@lru_cache(maxsize=_TEXT_CACHE)  # the same labels and headings are printed on every document
def latin1(text: str) -> str:
    """Make ``text`` printable in the core PDF fonts (latin-1): swap dashes, quotes and the like.

    "£" is latin-1 and passes through. Accented letters outside latin-1 lose
    their accent ("ő" → "o"); anything else unprintable becomes "?".
    """
    text = text.translate(_LATIN1_TABLE)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
            continue
        plain = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        out.append(plain or "?")
    return "".join(out)


def wrap_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Split ``text`` into lines no wider than ``width`` mm, each line's width given by ``measure`` (keeps newlines)."""
    lines: list[str] = []
    space = measure(" ")
    width += 0.01  # a text measured to fit exactly must not wrap on a floating-point hair
    for paragraph in latin1(text).split("\n"):
        current, used = "", 0.0
        for word in paragraph.split():
            word_w = measure(word)
            if current and used + space + word_w <= width:
                current, used = f"{current} {word}", used + space + word_w
                continue
            if current:
                lines.append(current)
            while word_w > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and measure(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                word_w = measure(word)
            current, used = word, word_w
        lines.append(current)
    return lines


# A core font's widths are fpdf2's fixed tables, one per font key, so a string's width and its
# wrapping are the same in every document: remembered across documents (a bill run's emails
# print the same labels, headings and terms hundreds of times). The arithmetic is the uncached
# one's, in the same order, so the PDF bytes do not change.

@lru_cache(maxsize=_TEXT_CACHE)
def _core_units(fontkey: str, text: str) -> float:
    widths = CORE_FONTS_CHARWIDTHS[fontkey]
    return float(sum(widths[ch] for ch in text))


@lru_cache(maxsize=_TEXT_CACHE)
def _wrapped_core(fontkey: str, size_pt: float, k: float, text: str, width: float) -> tuple[str, ...]:
    return tuple(wrap_lines(text, width, lambda part: _core_units(fontkey, part) * size_pt * 0.001 / k))


def quantity(value: Decimal) -> str:
    """``1``, ``2.5``, ``0.25``: a quantity without trailing zeros or exponent."""
    return format(value.normalize(), "f")


def unit_price(value: Decimal) -> str:
    """A unit price to at least two places, more if the price book has them."""
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{value:,.{places}f}"


def percent(rate: Decimal) -> str:
    """``20%``, ``17.5%``."""
    return format(rate.normalize(), "f") + "%"


VAT_CODE_NAMES = {
    "S": "Standard rate",
    "R": "Reduced rate",
    "Z": "Zero rate",
    "E": "Exempt",
    "O": "Outside the scope of VAT",
}


def fixed_instant(on: date | None) -> datetime:
    """The PDF creation date: the document's own date, never the clock (reproducible bytes)."""
    if on is None:
        return datetime(2000, 1, 1, tzinfo=UTC)
    return datetime(on.year, on.month, on.day, tzinfo=UTC)


# --- the shared page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A table column: header text, width in mm, alignment ``L``/``R``/``C``."""

    header: str
    width: float
    align: str = "L"


class PdfCanvas(FPDF):
    """An A4 page in the house style, with the drawing primitives the renderers share.

    Geometry is in millimetres and held as class attributes so a renderer can be
    restyled by overriding constants, not code. Auto page-break is off: every
    block asks :meth:`ensure_space` first, which is how tables know to repeat
    their header on the new page.
    """

    ORIENTATION: ClassVar[str] = "P"
    MARGIN_LEFT: ClassVar[float] = 15.0
    MARGIN_RIGHT: ClassVar[float] = 15.0
    MARGIN_TOP: ClassVar[float] = 15.0
    FOOTER_ZONE: ClassVar[float] = 18.0
    FOOTER_OFFSET: ClassVar[float] = 11.0
    RUNNING_HEAD_Y: ClassVar[float] = 8.0
    CONTINUATION_TOP: ClassVar[float] = 17.0
    FONT: ClassVar[str] = "Helvetica"
    BODY_SIZE: ClassVar[float] = 9.0
    SMALL_SIZE: ClassVar[float] = 7.5
    LINE_H: ClassVar[float] = 4.2
    SMALL_LINE_H: ClassVar[float] = 3.5
    CELL_PAD: ClassVar[float] = 1.4
    INK: ClassVar[tuple[int, int, int]] = (30, 30, 30)
    MUTED: ClassVar[tuple[int, int, int]] = (95, 95, 95)
    ACCENT: ClassVar[tuple[int, int, int]] = (0, 72, 128)
    RULE: ClassVar[tuple[int, int, int]] = (190, 190, 190)
    SHADE: ClassVar[tuple[int, int, int]] = (232, 237, 243)
    KEEP_TOGETHER: ClassVar[float] = 40.0
    BASELINE: ClassVar[float] = 0.78  # fraction of a line's height down to the text baseline

    def __init__(self, *, title: str, author: str, created_on: date | None, footer_left: str = "") -> None:
        super().__init__(orientation=self.ORIENTATION, unit="mm", format="A4")
        self.set_margins(self.MARGIN_LEFT, self.MARGIN_TOP, self.MARGIN_RIGHT)
        self.set_auto_page_break(False)
        self.c_margin = 0
        self.set_creation_date(fixed_instant(created_on))
        self.set_title(latin1(title))
        self.set_author(latin1(author))
        self.set_creator("traded")
        self.set_producer("traded")
        self.running_head = latin1(title)
        self.footer_left = latin1(footer_left)
        self.footer_right = latin1(author)
        self._table_header: tuple[Sequence[Column], float] | None = None
        self._continued: str | None = None  # a group heading to repeat on a new page, "(continued)"
        self._font_now: tuple[str, float] = ("", 0.0)
        self._ink_now: tuple[int, int, int] = self.INK
        self.set_text_color(*self.INK)
        self.set_draw_color(*self.RULE)
        self.set_line_width(0.2)
        self.font(size=self.BODY_SIZE)

    # geometry
    @property
    def content_width(self) -> float:
        return self.w - self.MARGIN_LEFT - self.MARGIN_RIGHT

    @property
    def content_bottom(self) -> float:
        return self.h - self.FOOTER_ZONE

    @property
    def right_edge(self) -> float:
        return self.w - self.MARGIN_RIGHT

    # fonts and colours
    def font(self, style: str = "", size: float | None = None) -> None:
        size = self.BODY_SIZE if size is None else size
        if (style, size) != self._font_now:  # set_font is not free; most calls change nothing
            self.set_font(self.FONT, style, size)
            self._font_now = (style, size)

    def ink(self, colour: tuple[int, int, int] | None = None) -> None:
        colour = colour or self.INK
        if colour != self._ink_now:
            self.set_text_color(*colour)
            self._ink_now = colour

    # pages
    def add_page(self, *args: object, **kwargs: object) -> None:
        super().add_page(*args, **kwargs)  # type: ignore[arg-type]
        # fpdf2 restores its own font and colour after header(); forget what we cached.
        self._font_now = ("", 0.0)
        self._ink_now = (-1, -1, -1)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.font("B", self.SMALL_SIZE)
        self.ink(self.MUTED)
        self.put(self.MARGIN_LEFT, self.RUNNING_HEAD_Y, self.content_width, self.running_head + " (continued)")
        self.rule(self.RUNNING_HEAD_Y + 4.5)
        self.ink()
        self.font()
        self.set_y(self.CONTINUATION_TOP)
        if self._table_header is not None:
            columns, size = self._table_header
            self.draw_table_header(columns, size)
            if self._continued:
                heading, self._continued = self._continued, None
                self._draw_row(columns, [f"{heading} (continued)", *[""] * (len(columns) - 1)], size, True)

    def footer(self) -> None:
        y = self.h - self.FOOTER_OFFSET
        self.set_draw_color(*self.RULE)
        self.line(self.MARGIN_LEFT, y - 1.5, self.right_edge, y - 1.5)
        self.font("", self.SMALL_SIZE)
        self.ink(self.MUTED)
        self.put(self.MARGIN_LEFT, y, self.content_width / 3, self.footer_left)
        self.put(self.right_edge - self.content_width / 3, y, self.content_width / 3, self.footer_right, "R")
        # cell(), not text(): only cell() fills in the total-pages alias.
        self.set_xy(self.MARGIN_LEFT + self.content_width / 3, y)
        self.cell(self.content_width / 3, self.SMALL_LINE_H, f"Page {self.page_no()} of {{nb}}", align="C")
        self.ink()

    def ensure_space(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit above the footer."""
        if self.get_y() + height > self.content_bottom:
            self.add_page()

    def gap(self, height: float) -> None:
        self.set_y(self.get_y() + height)

    def rule(self, y: float, colour: tuple[int, int, int] | None = None, width: float = 0.2) -> None:
        self.set_draw_color(*(colour or self.RULE))
        self.set_line_width(width)
        self.line(self.MARGIN_LEFT, y, self.right_edge, y)
        self.set_line_width(0.2)

    # text
    def put(self, x: float, y: float, w: float, text: str, align: str = "L", line_h: float | None = None) -> None:
        """One line of text in a box ``w`` wide whose top is at ``y``."""
        text = latin1(text)
        if not text:
            return
        if align == "R":
            x = x + w - self.text_width(text)
        elif align == "C":
            x = x + (w - self.text_width(text)) / 2
        self.text(x, y + (line_h or self._line_h()) * self.BASELINE, text)

    def text_width(self, text: str) -> float:
        """Width of latin-1 ``text`` in mm at the current font.

        Reads the core font's width table directly: fpdf2's get_string_width
        copies the graphics state on every call, which dominated render time.
        """
        font = self.current_font
        if isinstance(font, CoreFont):
            units = _core_units(font.fontkey, text)
        else:
            widths: Any = font.cw  # type: ignore[union-attr]  # keyed by character
            units = float(sum(widths[ch] for ch in text))
        return units * self.font_size_pt * 0.001 / self.k

    def _line_h(self) -> float:
        return self.LINE_H * self.font_size_pt / self.BODY_SIZE

    def wrap(self, text: str, width: float) -> list[str]:
        """Split ``text`` into lines no wider than ``width`` mm at the current font (keeps newlines)."""
        font = self.current_font
        if isinstance(font, CoreFont):
            return list(_wrapped_core(font.fontkey, self.font_size_pt, self.k, text, width))
        return wrap_lines(text, width, self.text_width)

    def wrap_items(self, items: Sequence[str], width: float) -> list[str]:
        """``items`` joined by ", " in lines no wider than ``width`` mm at the current font,
        breaking only between items, so that each (a PO number, a reference) is read whole;
        an item wider than a whole line is wrapped on its own."""
        lines: list[str] = []
        current = ""
        for i, item in enumerate(items):
            piece = latin1(item) + ("," if i < len(items) - 1 else "")
            joined = f"{current} {piece}" if current else piece
            if self.text_width(joined) <= width + 0.01:
                current = joined
                continue
            if current:
                lines.append(current)
            current = piece
            if self.text_width(piece) > width + 0.01:
                *whole, current = self.wrap(piece, width)
                lines.extend(whole)
        if current:
            lines.append(current)
        return lines

    def text_block(
        self, x: float, y: float, w: float, text: str, style: str = "", size: float | None = None,
        colour: tuple[int, int, int] | None = None, align: str = "L",
    ) -> float:
        """Wrapped text at a fixed place (no page break); returns the y below it."""
        self.font(style, size)
        self.ink(colour)
        line_h = self._line_h()
        lines = self.wrap(text, w) if text else []
        for i, line in enumerate(lines):
            self.put(x, y + i * line_h, w, line, align, line_h)
        self.ink()
        self.font()
        return y + len(lines) * line_h

    def paragraph(self, text: str, style: str = "", size: float | None = None, after: float = 2.0,
                  colour: tuple[int, int, int] | None = None) -> None:
        """Wrapped text flowing down the page, breaking onto a new page between lines."""
        self.font(style, size)
        self.ink(colour)
        line_h = self._line_h()
        lines = self.wrap(text, self.content_width)
        if len(lines) * line_h <= self.KEEP_TOGETHER:
            self.ensure_space(len(lines) * line_h)  # a short paragraph is not split over two pages
        for line in lines:
            self.ensure_space(line_h)
            self.font(style, size)
            self.ink(colour)
            self.put(self.MARGIN_LEFT, self.get_y(), self.content_width, line, line_h=line_h)
            self.gap(line_h)
        self.gap(after)
        self.ink()
        self.font()

    def heading(self, text: str, size: float = 11.0, keep_with: float = 20.0) -> None:
        """A section heading, kept on the same page as the first ``keep_with`` mm of what follows."""
        self.ensure_space(size * 0.6 + keep_with)
        self.font("B", size)
        self.ink(self.ACCENT)
        self.put(self.MARGIN_LEFT, self.get_y(), self.content_width, text, line_h=size * 0.5)
        self.gap(size * 0.5 + 1.5)
        self.ink()
        self.font()

    def party_block(self, x: float, y: float, w: float, party: Party, *, label: str | None = None,
                    name_size: float = 10.0, show_vat: bool = False, show_contact: bool = False) -> float:
        """Name, address and identifiers of a supplier or customer; returns the y below it."""
        if label:
            y = self.text_block(x, y, w, label, "B", self.SMALL_SIZE, self.MUTED) + 0.6
        y = self.text_block(x, y, w, party.name, "B", name_size)
        for line in party.address_lines:
            y = self.text_block(x, y, w, line)
        if party.urn:
            y = self.text_block(x, y, w, f"URN: {party.urn}")
        if show_vat and party.vat_number:
            y = self.text_block(x, y, w, f"VAT registration number: {party.vat_number}")
        if show_contact:
            if party.phone:
                y = self.text_block(x, y, w, f"Telephone: {party.phone}")
            if party.email:
                y = self.text_block(x, y, w, f"Email: {party.email}")
        return y

    def pairs(self, x: float, y: float, label_w: float, value_w: float, rows: Sequence[tuple[str, str]],
              bold_last: bool = False, value_align: str = "R") -> float:
        """Label/value rows (metadata, totals); returns the y below them."""
        line_h = self.LINE_H
        for i, (label, value) in enumerate(rows):
            strong = bold_last and i == len(rows) - 1
            self.font("B" if strong else "")
            self.ink(self.INK if strong else self.MUTED)
            self.put(x, y, label_w, label, line_h=line_h)
            self.ink()
            self.font("B")
            lines = self.wrap(value, value_w)
            for j, line in enumerate(lines):
                self.put(x + label_w, y + j * line_h, value_w, line, value_align, line_h)
            y += line_h * max(1, len(lines)) + 0.6
        self.font()
        return y

    # tables
    def draw_table_header(self, columns: Sequence[Column], size: float) -> None:
        self.font("B", size)
        line_h = self._line_h()
        cells = [self.wrap(col.header, col.width - 2 * self.CELL_PAD) for col in columns]
        height = max(len(c) for c in cells) * line_h + 2 * self.CELL_PAD
        y = self.get_y()
        self.set_fill_color(*self.SHADE)
        self.rect(self.MARGIN_LEFT, y, sum(c.width for c in columns), height, "F")
        x = self.MARGIN_LEFT
        for col, lines in zip(columns, cells, strict=True):
            for i, line in enumerate(lines):
                self.put(x + self.CELL_PAD, y + self.CELL_PAD + i * line_h, col.width - 2 * self.CELL_PAD,
                         line, col.align, line_h)
            x += col.width
        self.set_y(y + height)
        self.font("", size)

    def draw_table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], *, size: float | None = None,
              bold_rows: frozenset[int] = frozenset(), min_rows_with_header: int = 1,
              keep_last_with: float = 0.0, keep_with_next: frozenset[int] = frozenset(),
              continued: dict[int, str] | None = None) -> None:
        """Rows under a shaded header; a row that does not fit moves to a new page under a repeated header.

        ``keep_last_with`` mm of what follows the table (totals, terms, a remittance slip) stay
        on the last row's page: the last row moves over with them rather than leave them a page
        of their own. A row in ``keep_with_next`` (a group's heading) never ends a page, and a
        row that starts a new page under a heading in ``continued`` has it repeated above it,
        "(continued)".
        """
        size = self.BODY_SIZE if size is None else size
        self.font("", size)
        line_h = self._line_h()
        first = self._row_height(columns, rows[0], line_h) if rows else 0.0
        self.ensure_space(line_h * 2 + 2 * self.CELL_PAD + first * min_rows_with_header)
        self.draw_table_header(columns, size)
        self._table_header = (columns, size)
        page, on_page = self.page_no(), 0  # rows of this table on the current page
        try:
            for index, row in enumerate(rows):
                if keep_last_with and index == len(rows) - 1 and on_page:
                    # Never when it is the page's only row: the page would be left with none.
                    self.font("B" if index in bold_rows else "", size)
                    self.ensure_space(self._row_height(columns, row, self._line_h()) + keep_last_with)
                elif index in keep_with_next and index + 1 < len(rows):
                    self.font("B" if index in bold_rows else "", size)
                    first_h = self._row_height(columns, row, self._line_h())
                    self.font("B" if index + 1 in bold_rows else "", size)
                    self.ensure_space(first_h + self._row_height(columns, rows[index + 1], self._line_h()))
                self._continued = (continued or {}).get(index)
                self._draw_row(columns, row, size, index in bold_rows)
                self._continued = None
                page, on_page = (page, on_page + 1) if self.page_no() == page else (self.page_no(), 1)
        finally:
            self._table_header = None
        self.font()

    def measure(self, draw: Callable[[Self], None]) -> float:
        """The height in mm that ``draw`` takes on a fresh page of a scratch copy of this renderer.

        The blocks that end a document (totals, terms, a remittance slip) are measured this
        way, with the very code that draws them, so that the table before them can keep its
        last row with them.
        """
        scratch = self.scratch()
        scratch.add_page()
        top = scratch.get_y()
        draw(scratch)
        return scratch.get_y() - top

    def scratch(self) -> Self:
        """A blank renderer like this one, for :meth:`measure` (a renderer built from a document overrides it)."""
        return type(self)(title="", author="", created_on=None)

    def _row_height(self, columns: Sequence[Column], row: Sequence[str], line_h: float) -> float:
        most = max(len(self.wrap(cell, col.width - 2 * self.CELL_PAD)) for col, cell in zip(columns, row, strict=True))
        return most * line_h + 2 * self.CELL_PAD

    def _draw_row(self, columns: Sequence[Column], row: Sequence[str], size: float, bold: bool) -> None:
        self.font("B" if bold else "", size)
        line_h = self._line_h()
        cells = [self.wrap(cell, col.width - 2 * self.CELL_PAD) for col, cell in zip(columns, row, strict=True)]
        height = max(len(c) for c in cells) * line_h + 2 * self.CELL_PAD
        self.ensure_space(height)
        self.font("B" if bold else "", size)
        y = self.get_y()
        x = self.MARGIN_LEFT
        for col, lines in zip(columns, cells, strict=True):
            for i, line in enumerate(lines):
                self.put(x + self.CELL_PAD, y + self.CELL_PAD + i * line_h, col.width - 2 * self.CELL_PAD,
                         line, col.align, line_h)
            x += col.width
        self.set_draw_color(*self.RULE)
        self.line(self.MARGIN_LEFT, y + height, self.MARGIN_LEFT + sum(c.width for c in columns), y + height)
        self.set_y(y + height)

    def finish(self) -> bytes:
        return bytes(self.output())


# --- invoices and credit notes ---------------------------------------------------------------


class DocumentRenderer(PdfCanvas):
    """An issued invoice or credit note on A4, laid out as a UK VAT invoice (§7)."""

    HEAD_LEFT_W: ClassVar[float] = 100.0
    HEAD_RIGHT_X: ClassVar[float] = 115.0
    HEAD_RIGHT_W: ClassVar[float] = 80.0
    META_LABEL_W: ClassVar[float] = 38.0
    TITLE_SIZE: ClassVar[float] = 20.0
    SUPPLIER_NAME_SIZE: ClassVar[float] = 13.0
    LINE_COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("Description", 71.0),
        Column("Qty", 11.0, "R"),
        Column("Unit price £", 21.0, "R"),
        Column("VAT rate", 17.0, "R"),
        Column("Net £", 20.0, "R"),
        Column("VAT £", 20.0, "R"),
        Column("Total £", 20.0, "R"),
    )
    VAT_COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("VAT code", 48.0),
        Column("Rate", 14.0, "R"),
        Column("Net £", 20.0, "R"),
        Column("VAT £", 18.0, "R"),
    )
    TOTALS_X: ClassVar[float] = 125.0
    TOTALS_LABEL_W: ClassVar[float] = 38.0
    TOTALS_VALUE_W: ClassVar[float] = 32.0
    PAY_LABEL_W: ClassVar[float] = 38.0
    LINES_GAP: ClassVar[float] = 5.0
    SLIP_GAP: ClassVar[float] = 5.0  # at least this much space above the remittance slip's cut line
    SLIP_LABEL_W: ClassVar[float] = 27.0
    SLIP_RIGHT_X: ClassVar[float] = 105.0
    SLIP_RIGHT_LABEL_W: ClassVar[float] = 33.0

    def __init__(self, doc: Document) -> None:
        super().__init__(
            title=f"{doc.label} {doc.number}",
            author=doc.supplier.name,
            created_on=doc.issued_on,
            footer_left=f"{doc.label} {doc.number}",
        )
        self.doc = doc

    def scratch(self) -> DocumentRenderer:
        return DocumentRenderer(self.doc)

    @property
    def slip(self) -> PaymentDetails | None:
        """The payment details a tear-off remittance slip is printed from: every invoice with them."""
        return None if self.doc.is_credit_note else self.doc.payment

    def render(self) -> bytes:
        self.add_page()
        self._draw_heading()
        self._draw_customer()
        if self.doc.is_credit_note:
            self._draw_correction()
        # The totals, terms and slip stay on the page of the last line: no page of terms alone.
        slip = self.slip
        slip_h = self.measure(lambda pdf: pdf._draw_remittance(slip)) + self.SLIP_GAP if slip else 0.0
        tail = self.measure(lambda pdf: pdf._draw_tail()) + slip_h
        self._draw_lines(keep_with=tail + self.LINES_GAP)
        self.ensure_space(tail)  # a last line too tall to move with them: the totals, terms and slip go on together
        self._draw_tail()
        if slip is not None:
            self.set_y(self.content_bottom - slip_h + self.SLIP_GAP)  # at the foot of the page, to tear off
            self._draw_remittance(slip)
        return self.finish()

    def _draw_tail(self) -> None:
        """What follows the lines: VAT summary and totals, then how to pay (or, on a credit note, its note)."""
        self._draw_summary()
        if self.doc.is_credit_note:
            self._draw_credit_footnote()
        elif self.doc.recharge:
            self._draw_journal_note()
        elif self.doc.payment is not None:
            self._draw_payment(self.doc.payment)

    def _draw_heading(self) -> None:
        doc = self.doc
        top = self.MARGIN_TOP
        left_bottom = self.party_block(self.MARGIN_LEFT, top, self.HEAD_LEFT_W, doc.supplier,
                                       name_size=self.SUPPLIER_NAME_SIZE, show_vat=True, show_contact=True)
        title = doc.label.upper() if doc.is_credit_note else "INTERNAL RECHARGE" if doc.recharge else "INVOICE"
        self.font("B", self.TITLE_SIZE)
        self.ink(self.ACCENT)
        self.put(self.HEAD_RIGHT_X, top, self.HEAD_RIGHT_W, title, "R", line_h=self.TITLE_SIZE * 0.4)
        self.ink()
        right_bottom = self.pairs(self.HEAD_RIGHT_X, top + self.TITLE_SIZE * 0.45 + 3, self.META_LABEL_W,
                                  self.HEAD_RIGHT_W - self.META_LABEL_W, self._metadata())
        self.set_y(max(left_bottom, right_bottom) + 6)

    def _metadata(self) -> list[tuple[str, str]]:
        doc = self.doc
        rows = [(f"{doc.label} number", doc.number), ("Date of issue", doc_date(doc.issued_on))]
        if not doc.recharge and not doc.write_off:  # no supply (a recharge, a write-off): no tax point
            rows.append(("Tax point", doc_date(doc.tax_point)))
        if doc.due_on is not None and not doc.is_credit_note:
            rows.append(("Due date", doc_date(doc.due_on)))
        if doc.is_credit_note and doc.corrects_number and doc.corrects_issued_on:
            what = "recharge" if doc.recharge else "invoice"
            rows.append((f"Corrects {what}", doc.corrects_number))
            rows.append((f"{what.capitalize()} dated", doc_date(doc.corrects_issued_on)))
        if self._po_in_heading():
            rows.append(("Your order number", doc.po_number or ""))
        if doc.customer.urn:
            rows.append(("Customer URN", doc.customer.urn))
        return rows

    def _po_numbers(self) -> list[str]:
        """The purchase-order numbers as issued (billing.invoicing joins them with ", ")."""
        return self.doc.po_number.split(", ") if self.doc.po_number else []

    def _po_in_heading(self) -> bool:
        """One short order number sits with the particulars; a longer one or a list gets its own block."""
        numbers = self._po_numbers()
        if len(numbers) != 1:
            return False
        self.font("B")  # as pairs() sets values
        fits = self.text_width(latin1(numbers[0])) <= self.HEAD_RIGHT_W - self.META_LABEL_W
        self.font()
        return fits

    def _draw_customer(self) -> None:
        label = "CREDIT TO" if self.doc.is_credit_note else "CHARGED TO" if self.doc.recharge else "INVOICE TO"
        bottom = self.party_block(self.MARGIN_LEFT, self.get_y(), self.HEAD_LEFT_W, self.doc.customer,
                                  label=label, show_vat=True)
        self.set_y(bottom + 6)
        if self._po_numbers() and not self._po_in_heading():
            self._draw_po_numbers()

    def _draw_po_numbers(self) -> None:
        """Every order number in full across the page, broken only between numbers (never cut)."""
        numbers = self._po_numbers()
        label = "Your order number" if len(numbers) == 1 else "Your order numbers"
        self.font()
        label_w = self.text_width(label) + 3
        self.font("B")
        lines = self.wrap_items(numbers, self.content_width - label_w)
        height = len(lines) * self.LINE_H
        self.ensure_space(height)
        y = self.get_y()
        self.font()
        self.ink(self.MUTED)
        self.put(self.MARGIN_LEFT, y, label_w, label, line_h=self.LINE_H)
        self.ink()
        self.font("B")
        for i, line in enumerate(lines):
            self.put(self.MARGIN_LEFT + label_w, y + i * self.LINE_H, self.content_width - label_w, line,
                     line_h=self.LINE_H)
        self.font()
        self.set_y(y + height + 5)

    def _draw_correction(self) -> None:
        doc = self.doc
        assert doc.corrects_number is not None and doc.corrects_issued_on is not None
        what = "internal recharge" if doc.recharge else "invoice"
        text = (f"Credit note for {what} {doc.corrects_number} dated {doc_date(doc.corrects_issued_on)}.")
        if doc.write_off:
            text = f"Write-off of the debt on invoice {doc.corrects_number} dated {doc_date(doc.corrects_issued_on)}."
        if doc.reason:
            text += f"\nReason: {doc.reason}"
        self.font()
        lines = self.wrap(text, self.content_width - 6)
        height = len(lines) * self.LINE_H + 4
        self.ensure_space(height)
        y = self.get_y()
        self.set_fill_color(*self.SHADE)
        self.rect(self.MARGIN_LEFT, y, self.content_width, height, "F")
        self.text_block(self.MARGIN_LEFT + 3, y + 2, self.content_width - 6, text)
        self.set_y(y + height + 5)

    def _line_row(self, line: Line, head: str | None = None) -> list[str]:
        description = line.description[len(head) + 2:] if head else line.description
        period = doc_period(line.period_start, line.period_end)
        dates = [doc_date(d) for d in (line.period_start, line.period_end) if d is not None]
        if period and not all(d in description for d in dates):  # not when the description gives it already
            description += f"\nPeriod: {period}"
        return [
            description,
            quantity(line.quantity),
            unit_price(line.unit_price),
            f"{percent(line.vat_rate)} {line.vat_code}",
            doc_amount(line.net),
            doc_amount(line.vat),
            doc_amount(line.total),
        ]

    def _line_rows(self) -> tuple[list[list[str]], frozenset[int], dict[int, str]]:
        """The table rows, which are group rows, and the group each grouped line is under.

        Consecutive lines whose descriptions start with the same head ("Late-payment
        interest on INV-000012 (due 2025-10-01): ...") are printed under one bold row
        of that head with their totals (the late invoice's interest, for example),
        each line then giving only the rest of its description. The lines, and their
        figures, are the document's as issued.
        """
        rows: list[list[str]] = []
        groups: set[int] = set()
        under: dict[int, str] = {}
        lines = self.doc.lines
        at = 0
        while at < len(lines):
            head = group_head(lines[at].description)
            end = at + 1
            while head and end < len(lines) and group_head(lines[end].description) == head:
                end += 1
            if head and end - at > 1:
                members = lines[at:end]
                groups.add(len(rows))
                rows.append([head, "", "", "", doc_amount(sum((ln.net for ln in members), Decimal(0))),
                             doc_amount(sum((ln.vat for ln in members), Decimal(0))),
                             doc_amount(sum((ln.total for ln in members), Decimal(0)))])
                for line in members:
                    under[len(rows)] = head
                    rows.append(self._line_row(line, head))
            else:
                rows.extend(self._line_row(line) for line in lines[at:end])
            at = end
        return rows, frozenset(groups), under

    def _draw_lines(self, keep_with: float = 0.0) -> None:
        rows, groups, continued = self._line_rows()
        self.draw_table(self.LINE_COLUMNS, rows, bold_rows=groups, keep_with_next=groups, keep_last_with=keep_with,
                        continued=continued)
        self.gap(self.LINES_GAP)

    def _vat_rows(self) -> list[list[str]]:
        return [
            [f"{row.code} - {VAT_CODE_NAMES.get(row.code, row.code)}", percent(row.rate), doc_amount(row.net),
             doc_amount(row.vat)]
            for row in vat_summary(self.doc.lines)
        ]

    def _draw_summary(self) -> None:
        """VAT summary on the left and the totals box on the right, kept together on one page."""
        doc = self.doc
        vat_rows = self._vat_rows()
        needed = (len(vat_rows) + 2) * (self.LINE_H + 2 * self.CELL_PAD) + 4
        self.ensure_space(max(needed, 3 * self.LINE_H + 12))
        top = self.get_y()
        self.draw_table(self.VAT_COLUMNS, vat_rows, size=self.SMALL_SIZE + 0.5)
        vat_bottom = self.get_y()
        due = "Total credited" if doc.is_credit_note else "Total recharged" if doc.recharge else "Total due"
        if doc.write_off:
            due = "Total written off"
        x = self.TOTALS_X
        width = self.TOTALS_LABEL_W + self.TOTALS_VALUE_W
        y = self.pairs(x, top + 1, self.TOTALS_LABEL_W, self.TOTALS_VALUE_W,
                       [("Total net", doc_pounds(doc.net)), ("Total VAT", doc_pounds(doc.vat))])
        self.set_draw_color(*self.INK)
        self.set_line_width(0.4)
        self.line(x, y + 0.5, x + width, y + 0.5)
        self.set_line_width(0.2)
        self.font("B", 11)
        self.put(x, y + 2, self.TOTALS_LABEL_W, due, line_h=5.5)
        self.put(x + self.TOTALS_LABEL_W, y + 2, self.TOTALS_VALUE_W, doc_pounds(doc.total), "R", line_h=5.5)
        self.font()
        self.set_y(max(vat_bottom, y + 8) + 6)

    def _draw_payment(self, pay: PaymentDetails) -> None:
        """The terms, under the totals; how to pay is on the remittance slip at the foot of the page."""
        self.paragraph(terms_text(pay, self.doc.due_on), size=self.SMALL_SIZE + 0.5, colour=self.MUTED)

    def _draw_remittance(self, pay: PaymentDetails) -> None:
        """A tear-off slip at the foot of the last page: who pays what, to which account, quoting what."""
        doc = self.doc
        cut = self.get_y() + 2
        self.set_draw_color(*self.MUTED)
        self.set_dash_pattern(dash=1.6, gap=1.2)
        self.line(self.MARGIN_LEFT, cut, self.right_edge, cut)
        self.set_dash_pattern()
        self.font("", self.SMALL_SIZE)
        caption = "Cut here: send this slip with your payment, or quote the payment reference with your BACS payment"
        width = self.text_width(latin1(caption)) + 4
        self.set_fill_color(255, 255, 255)
        self.rect(self.MARGIN_LEFT + (self.content_width - width) / 2, cut - 2, width, 4, "F")
        self.ink(self.MUTED)
        self.put(self.MARGIN_LEFT, cut - self.SMALL_LINE_H / 2, self.content_width, caption, "C",
                 line_h=self.SMALL_LINE_H)
        y = cut + 4
        self.font("B", 11)
        self.ink(self.ACCENT)
        self.put(self.MARGIN_LEFT, y, self.content_width / 2, "REMITTANCE ADVICE", line_h=5)
        self.ink()
        to = self.text_block(self.SLIP_RIGHT_X, y + 0.5, self.right_edge - self.SLIP_RIGHT_X, f"To {doc.supplier.name}",
                             "B")
        y = max(y + 6.5, to + 1.5)
        left_w = self.SLIP_RIGHT_X - self.MARGIN_LEFT - 4
        school = [("From", doc.customer.name)] + ([("URN", doc.customer.urn)] if doc.customer.urn else [])
        school += [("Invoice number", doc.number)]
        if doc.due_on is not None:
            school.append(("Due date", doc_date(doc.due_on)))
        school.append(("Amount due", doc_pounds(doc.total)))
        left = self.pairs(self.MARGIN_LEFT, y, self.SLIP_LABEL_W, left_w - self.SLIP_LABEL_W, school,
                          bold_last=True, value_align="L")
        bank = [("Pay by BACS to", pay.account_name), ("Bank", pay.bank), ("Sort code", pay.sort_code),
                ("Account number", pay.account_number), ("Payment reference", doc.number)]
        right_w = self.right_edge - self.SLIP_RIGHT_X
        right = self.pairs(self.SLIP_RIGHT_X, y, self.SLIP_RIGHT_LABEL_W, right_w - self.SLIP_RIGHT_LABEL_W, bank,
                           bold_last=True, value_align="L")
        y = max(left, right) + 1
        address = ", ".join(doc.supplier.address_lines)
        ways = (f"Cheques should be made payable to {pay.cheque_payee}, with {doc.number} written on the back, "
                f"and sent to {doc.supplier.name}, {address}.")
        if pay.pay_link:
            ways += f" Pay online by card: {pay.pay_link}"
        y = self.text_block(self.MARGIN_LEFT, y, self.content_width, ways, size=self.SMALL_SIZE + 0.5)
        y = self.text_block(self.MARGIN_LEFT, y + 2.5, self.content_width,
                            "Amount paid  £ ____________________        Date paid  ____________________")
        self.set_y(y + 0.5)

    def _draw_journal_note(self) -> None:
        """A recharge's settlement in place of payment terms: the journal transfer, made on issue."""
        doc = self.doc
        self.paragraph(f"Settled by journal transfer from {doc.customer.name}'s budget on {doc_date(doc.issued_on)}. "
                       f"An internal recharge within {doc.supplier.name}, outside the scope of VAT: "
                       "no payment is due and nothing needs to be sent.", size=self.SMALL_SIZE + 0.5)

    def _draw_credit_footnote(self) -> None:
        doc = self.doc
        if doc.write_off:
            self.paragraph(f"This write-off reduces the amount payable on invoice {doc.corrects_number} by the total "
                           "above. It is not a VAT credit note: the VAT shown is the part of the debt that was VAT.",
                           size=self.SMALL_SIZE + 0.5, colour=self.MUTED)
            return
        if doc.recharge:
            self.paragraph(f"This credit note reduces internal recharge {doc.corrects_number}. The amount is "
                           f"returned to {doc.customer.name}'s budget by journal transfer on {doc_date(doc.issued_on)}; "
                           "no payment is due.", size=self.SMALL_SIZE + 0.5, colour=self.MUTED)
            return
        self.paragraph(f"This credit note reduces the amount payable on invoice {doc.corrects_number}. "
                       "No payment is due on it; any credit not needed for that invoice is held on your account.",
                       size=self.SMALL_SIZE + 0.5, colour=self.MUTED)


GROUP_HEAD_MAX = 100


def group_head(description: str) -> str | None:
    """The head of a line's description, before ": ", that consecutive lines can be grouped under."""
    head, sep, rest = description.partition(": ")
    return head if sep and rest.strip() and len(head) <= GROUP_HEAD_MAX else None


def terms_text(pay: PaymentDetails, due_on: date | None = None) -> str:
    """The payment terms as printed: the days allowed, then the customer's late-payment clause if any (§8)."""
    by = f", by {doc_date(due_on)}" if due_on is not None else ""
    return f"Terms: payment is due within {pay.terms_days} days of the date of issue{by}. {pay.interest_clause}".strip()


def render_document(doc: Document) -> bytes:
    """The PDF of an issued invoice or credit note (§7): A4, one call, reproducible bytes."""
    return DocumentRenderer(doc).render()
