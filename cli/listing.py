"""What every list command shares: `--csv FILE` / `--force`, and one way to print the list.

A list command adds ``@list_options`` (below its own options, above ``@pass_runtime``)
and ends with :func:`emit_list` instead of ``rt.emit``::

    @order.command("list")
    @click.option("--urn", default=None, metavar="URN", help="Only this school's orders.")
    @list_options
    @pass_runtime
    def list_(rt: Runtime, urn: str | None) -> None:
        rows = rt.run(lambda ctx: [order_json(o) for o in list_orders(ctx, urn)], read_only=True)
        emit_list(rt, rows, lambda: table([...], [...], align="...", title=count(len(rows), "order")))

``--json`` prints the data as before; the screen gets the table; ``--csv FILE`` also
writes the records through the one CSV writer (billing/reports/csv_export.py:
formula-safe cells, money as ``1234.00``, written whole by billing/outputs.py, never
over the database, an existing file only with ``--force``). The command's signature
does not change: the two options are read from the click context.

By default the CSV holds the JSON records, one column per field (their JSON names);
give ``records=`` when the list sits inside a larger JSON object, or ``csv_table=``
(headers, rows) for a different layout. Keep values typed (``Decimal`` money, ``int``,
``date``): the writer decides what is text by type, so a formatted ``"£1,234.00"``
would be written as text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import click

from cli.runtime import Runtime

F = TypeVar("F", bound=Callable[..., Any])

_META = "traded.listing"
FORCE_HELP = "Replace the output file if it exists (never the database)."
CSV_HELP = "Also write the list as CSV to FILE (money as 1234.00, dates YYYY-MM-DD)."


def _remember(ctx: click.Context, param: click.Parameter, value: object) -> object:
    ctx.meta.setdefault(_META, {})[param.name] = value
    return value


def list_options(f: F) -> F:
    """Add ``--csv FILE`` and ``--force`` to a list command (read back by :func:`emit_list`)."""
    f = click.option("--force", is_flag=True, expose_value=False, callback=_remember,
                     help=FORCE_HELP)(f)
    f = click.option("--csv", "csv_file", default=None, metavar="FILE", expose_value=False, callback=_remember,
                     type=click.Path(dir_okay=False), help=CSV_HELP)(f)
    return f


def csv_request() -> tuple[str | None, bool]:
    """The ``--csv FILE`` and ``--force`` given to the running command (``(None, False)`` without them)."""
    ctx = click.get_current_context(silent=True)
    chosen: dict[str, Any] = ctx.meta.get(_META, {}) if ctx is not None else {}
    return chosen.get("csv_file"), bool(chosen.get("force"))


def records_table(records: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[object]]]:
    """One CSV column per field of the records (in first-seen order), one row per record."""
    headers: list[str] = []
    for record in records:
        headers.extend(k for k in record if k not in headers)
    return headers, [[_csv_value(record.get(h)) for h in headers] for record in records]


def _csv_value(value: object) -> object:
    """Typed values stay typed for the writer; instants in Europe/London; nested values flattened."""
    if isinstance(value, datetime):
        from pricing.clock import format_london

        return format_london(value)
    if isinstance(value, (list, tuple)):
        if all(v is None or isinstance(v, (str, int)) for v in value):
            return "; ".join("" if v is None else str(v) for v in value)
        return _json_text(value)
    if isinstance(value, dict):
        return _json_text(value)
    return value


def _json_text(value: object) -> str:
    from cli.runtime import json_default

    return json.dumps(value, default=json_default, separators=(",", ":"))


def write_list_csv(rt: Runtime, table: tuple[list[str], list[list[object]]], csv_file: str, force: bool) -> None:
    """Write through the one CSV writer, refusing (exit 1, one line) a bad or existing output path."""
    from billing.reports.csv_export import write_csv
    from pricing.errors import TradedError

    try:
        write_csv(csv_file, table, force, rt.engine().url)
    except TradedError as exc:
        rt.refuse(exc.code, exc.message)


def emit_list(rt: Runtime, data: Any, text: Callable[[], str] | str | None, *,
              records: Sequence[Mapping[str, Any]] | None = None,
              csv_table: tuple[list[str], list[list[object]]] | None = None) -> None:
    """Print a list (JSON with --json, else ``text``) after writing ``--csv FILE`` if one was asked for.

    The CSV is written first, so a refused output path prints nothing else.
    On screen a line ``CSV written to FILE.`` follows the table; the JSON is unchanged.
    """
    csv_file, force = csv_request()
    if csv_file:
        if csv_table is None:
            rows = records if records is not None else data
            if not isinstance(rows, Sequence):
                raise TypeError("emit_list needs records= when the data is not a list")
            csv_table = records_table(rows)
        write_list_csv(rt, csv_table, csv_file, force)
    if rt.as_json or not csv_file:
        rt.emit(data, text)
        return

    def with_note() -> str:
        body = text() if callable(text) else (text or "")
        return "\n".join(part for part in (body, f"CSV written to {csv_file}.") if part)

    rt.emit(data, with_note)
