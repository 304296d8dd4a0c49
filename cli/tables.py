"""Terminal tables that never cut money, numbers, dates or identifiers.

Width: ``COLUMNS`` when it is set (``COLUMNS=80 traded invoice list``), else the
terminal's own width when stdout is a terminal, else :data:`DEFAULT_WIDTH` (100:
output piped to a file or another program).

Each column is *fixed* (money, numbers, dates, references, codes, statuses: never
wrapped, never narrowed below its longest cell) or *text* (names, descriptions,
reasons: wrapped between words, never inside one, so an amount or an invoice number
in a sentence stays whole). Callers name the text columns with ``wrap=`` (indexes or
headers); without it a right-aligned column (``align`` "r") is fixed and a
left-aligned one is text only when one of its cells holds a space. A table is drawn
in a box when it fits; else as plain columns two spaces apart (the box's rules take
room an 80-column terminal needs for a seven-figure amount); and when even that cannot
fit, one record per block, ``Field: value`` a line. Nothing is ever cut.

Cells are shown as the screen formats (cli/formats.py): ``None`` blank, booleans
yes/no, dates ``2026-01-01``, instants ``2026-01-01 09:30`` in Europe/London;
callers format money themselves (``formats.money``: ``£1,234.00``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Sequence

DEFAULT_WIDTH = 100
"""Width when stdout is not a terminal and ``COLUMNS`` is not set."""
MIN_WIDTH = 20
_BORDER_PER_COLUMN = 3  # "│ " before each cell and " " after it
_BORDER_END = 1  # the closing "│"
_GAP = "  "  # between plain columns


def terminal_width() -> int:
    """``COLUMNS`` if set, else the terminal's width (stdout a terminal), else :data:`DEFAULT_WIDTH`."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isascii() and text.isdigit() and int(text) > 0:
        return max(int(text), MIN_WIDTH)
    try:
        if sys.stdout.isatty():
            return max(os.get_terminal_size(sys.stdout.fileno()).columns, MIN_WIDTH)
    except (AttributeError, ValueError, OSError):
        pass
    return DEFAULT_WIDTH


def paragraph(text: str, width: int | None = None) -> str:
    """Prose (a report's notes) wrapped between words to the terminal's width; words are never split."""
    import textwrap

    total = max(width if width is not None else terminal_width(), MIN_WIDTH)
    return "\n".join(textwrap.fill(line, total, break_long_words=False, break_on_hyphens=False) or line
                     for line in text.splitlines())


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str = "",
          title: str | None = None, *, wrap: Collection[int | str] | None = None,
          width: int | None = None) -> str:
    """A table fitted to ``width`` (default :func:`terminal_width`), or one record per block if it cannot fit.

    ``align``: one letter per column, "r" right (numbers, money), anything else left.
    ``wrap``: the text columns (indexes or headers) that may wrap; see the module notes.
    """
    from cli.formats import screen

    total = max(width if width is not None else terminal_width(), MIN_WIDTH)
    cells = [[screen(row[i]) if i < len(row) else "" for i in range(len(headers))] for row in rows]
    right = [i < len(align) and align[i] == "r" for i in range(len(headers))]
    fixed = [_is_fixed(i, h, right[i], [r[i] for r in cells], wrap) for i, h in enumerate(headers)]
    natural, minimum = _measure(headers, cells, fixed)
    boxed = total - _BORDER_PER_COLUMN * len(headers) - _BORDER_END
    plain = total - len(_GAP) * (len(headers) - 1)
    if sum(minimum) <= boxed:
        widths = natural if sum(natural) <= boxed else _share(minimum, natural, boxed)
        return _render(headers, cells, right, widths, title, total)
    if sum(minimum) <= plain:
        widths = natural if sum(natural) <= plain else _share(minimum, natural, plain)
        return _plain(headers, cells, right, widths, title, total)
    return _blocks(headers, cells, title, total)


def _is_fixed(index: int, header: str, right: bool, column: list[str],
              wrap: Collection[int | str] | None) -> bool:
    if wrap is not None:
        return index not in wrap and header not in wrap
    return right or not any(any(ch.isspace() for ch in cell) for cell in column)


def _measure(headers: Sequence[str], cells: list[list[str]], fixed: list[bool]) -> tuple[list[int], list[int]]:
    """Per column: the width that shows every cell on one line, and the narrowest that cuts nothing."""
    from rich.cells import cell_len

    natural, minimum = [], []
    for i, header in enumerate(headers):
        lines = [line for row in cells for line in row[i].splitlines()]
        longest_line = max((cell_len(line) for line in lines), default=0)
        longest_word = max((cell_len(word) for line in lines for word in line.split()), default=0)
        header_word = max((cell_len(word) for word in header.split()), default=0)
        natural.append(max(longest_line, cell_len(header), 1))
        minimum.append(max(longest_line if fixed[i] else longest_word, header_word, 1))
    return natural, minimum


def _share(minimum: list[int], natural: list[int], available: int) -> list[int]:
    """Every column its minimum, then the room left shared out, narrowest need first."""
    widths = list(minimum)
    room = available - sum(widths)
    wanting = [i for i in range(len(widths)) if natural[i] > widths[i]]
    while room > 0 and wanting:
        share = max(room // len(wanting), 1)
        for i in sorted(wanting, key=lambda i: natural[i] - widths[i]):
            give = min(share, natural[i] - widths[i], room)
            widths[i] += give
            room -= give
            if not room:
                break
        wanting = [i for i in wanting if natural[i] > widths[i]]
    return widths


def _title_lines(title: str | None, total: int) -> list[str]:
    import textwrap

    if not title:
        return []
    return textwrap.wrap(title, total, break_long_words=False, break_on_hyphens=False) or [title]


def _render(headers: Sequence[str], cells: list[list[str]], right: list[bool], widths: list[int],
            title: str | None, total: int) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    t = Table(header_style="bold")
    for header, is_right, w in zip(headers, right, widths, strict=True):
        # Every width holds its longest word (fixed columns: their longest cell), so "fold" never splits one.
        t.add_column(header, justify="right" if is_right else "left", width=w, overflow="fold")
    for row in cells:
        t.add_row(*row)
    buf = StringIO()
    table_width = sum(widths) + _BORDER_PER_COLUMN * len(widths) + _BORDER_END
    Console(file=buf, width=max(total, table_width), force_terminal=False, color_system=None,
            highlight=False).print(t)
    return "\n".join([*_title_lines(title, total), buf.getvalue().rstrip("\n")])


def _plain(headers: Sequence[str], cells: list[list[str]], right: list[bool], widths: list[int],
           title: str | None, total: int) -> str:
    """Columns two spaces apart under a rule, each cell wrapped between words within its width."""
    from rich.cells import cell_len

    def lines_of(text: str, width: int) -> list[str]:
        import textwrap

        out: list[str] = []
        for line in text.splitlines() or [""]:
            out += textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
        return out

    def row_lines(row: Sequence[str], bottom: bool = False) -> list[str]:
        parts = [lines_of(cell, w) for cell, w in zip(row, widths, strict=True)]
        height = max(len(p) for p in parts)
        if bottom:  # headers sit on the rule, like the boxed table's
            parts = [[""] * (height - len(p)) + p for p in parts]
        out = []
        for k in range(height):
            cols = []
            for part, w, is_right in zip(parts, widths, right, strict=True):
                text = part[k] if k < len(part) else ""
                pad = " " * (w - cell_len(text))
                cols.append(pad + text if is_right else text + pad)
            out.append(_GAP.join(cols).rstrip())
        return out

    body = [*_title_lines(title, total), *row_lines(headers, bottom=True),
            _GAP.join("─" * w for w in widths)]
    for row in cells:
        body += row_lines(row)
    return "\n".join(body)


def _blocks(headers: Sequence[str], cells: list[list[str]], title: str | None, total: int) -> str:
    """One record per block: ``Field: value`` lines, long values wrapped between words under the value."""
    import textwrap

    label_width = max((len(h) for h in headers), default=0) + 1
    out = _title_lines(title, total)
    for row in cells:
        if out:
            out.append("")
        for header, value in zip(headers, row, strict=True):
            if not value:
                continue
            label = f"{header}:" if header else ""
            indent = " " * (label_width + 1)
            first = True
            for line in value.splitlines() or [""]:
                wrapped = textwrap.wrap(line, max(total - len(indent), 10), break_long_words=False,
                                        break_on_hyphens=False) or [""]
                for part in wrapped:
                    out.append(f"{label:<{label_width}} {part}" if first else f"{indent}{part}")
                    first = False
    out.append("")  # a blank line after the last block, before whatever follows it
    return "\n".join(out)
