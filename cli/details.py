"""One record on screen: ``Field: value`` a line, labels aligned (the `show` commands).

Values are shown as the screen formats them (cli/formats.py: dates, instants,
yes/no); money must already be formatted (``formats.money``). Empty values are
left out, so a record shows what it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def details(pairs: Sequence[tuple[str, object]], title: str | None = None) -> str:
    from textwrap import wrap

    from cli.formats import screen
    from cli.tables import terminal_width

    shown = [(label, screen(value)) for label, value in pairs if value is not None and value != ""]
    width = max((len(label) for label, _ in shown), default=0)
    room = max(terminal_width() - width - 2, 20)
    lines = [title] if title else []
    for label, value in shown:
        # Long values wrap between words (an amount or a number is never split); a value of
        # several lines (an address) keeps its lines; every line after the first sits under the first.
        parts = [piece for line in value.split("\n")
                 for piece in (wrap(line, room, break_long_words=False, break_on_hyphens=False) or [""])]
        lines.append(f"{label:>{width}}: " + ("\n" + " " * (width + 2)).join(parts))
    return "\n".join(lines)


def charges_table(charges: Sequence[dict[str, object]]) -> str:
    """The charges raised on a case or an order (`case show`, `order show`), with the invoice each is on."""
    from cli.formats import money
    from cli.tables import table

    return table(["Charge", "Description", "Due", "Amount", "Status", "Invoice"],
                 [[c["id"], c["description"], c["due"], money(c["amount"]), c["status"], c["invoice"]]
                  for c in charges], align="rllrll", wrap=("Description",), title="Charges")


def sessions_and_charges(data: dict[str, Any]) -> list[str]:
    """The sessions and charges tables under a case or an order (`case show`, `order show`), each if any."""
    parts = []
    if data["sessions"]:
        from cli.sessions import sessions_table

        parts.append(sessions_table(data["sessions"], title="Sessions"))
    if data["charges"]:
        parts.append(charges_table(data["charges"]))
    return parts
