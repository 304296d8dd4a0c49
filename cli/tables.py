"""Terminal tables, drawn with rich (imported only when a table is printed)."""

from __future__ import annotations

from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str = "",
          title: str | None = None) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, title_justify="left", header_style="bold")
    for i, header in enumerate(headers):
        justify = "right" if i < len(align) and align[i] == "r" else "left"
        # Text columns are cut with an ellipsis rather than wrapped: one row, one line.
        t.add_column(header, justify=justify, no_wrap=True, overflow="ellipsis")  # type: ignore[arg-type]
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    buf = StringIO()
    Console(file=buf, width=140, force_terminal=False, color_system=None).print(t)
    return buf.getvalue().rstrip("\n")
