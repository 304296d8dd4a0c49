"""One record on screen: ``Field: value`` a line, labels aligned (the `show` commands).

Values are shown as the screen formats them (cli/formats.py: dates, instants,
yes/no); money must already be formatted (``formats.money``). Empty values are
left out, so a record shows what it has.
"""

from __future__ import annotations

from collections.abc import Sequence


def details(pairs: Sequence[tuple[str, object]], title: str | None = None) -> str:
    from cli.formats import screen

    shown = [(label, screen(value)) for label, value in pairs if value is not None and value != ""]
    width = max((len(label) for label, _ in shown), default=0)
    lines = [title] if title else []
    # A value of several lines (an address) keeps its lines under the first.
    lines += [f"{label:>{width}}: " + value.replace("\n", "\n" + " " * (width + 2)) for label, value in shown]
    return "\n".join(lines)


def charges_table(charges: Sequence[dict[str, object]]) -> str:
    """The charges raised on a case or an order (`case show`, `order show`), with the invoice each is on."""
    from cli.formats import money
    from cli.tables import table

    return table(["Charge", "Description", "Due", "Amount", "Status", "Invoice"],
                 [[c["id"], c["description"], c["due"], money(c["amount"]), c["status"], c["invoice"]]
                  for c in charges], align="rllrll", wrap=("Description",), title="Charges")
