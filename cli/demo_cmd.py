"""`traded demo`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.runtime import Runtime, pass_runtime


@click.command()
@click.option("--out", "out_dir", default="demo-output", show_default=True, metavar="DIR",
              help="Folder for the invoice and statement PDFs.")
@pass_runtime
def demo(rt: Runtime, out_dir: str) -> None:
    """Build a fresh demo database: sample schools, price book, a year of
    cases, sessions, bill runs and payments; write PDFs to DIR.

    Refuses a database that already holds schools, so it never mixes demo
    data into real data.

    \b
    Example:
      traded --db sqlite:///demo.db demo --out demo-output
    """
    from sqlalchemy import func, select

    from billing.db import ensure_schema
    from billing.demo import run_demo
    from billing.demo.portal_users import how_to_sign_in
    from billing.models import Invoice, School

    engine = rt.engine()
    ensure_schema(engine)
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(School)):
            rt.refuse("not_empty", "the database already holds schools: run the demo on a fresh database")
    from billing.ledger import mark_sandbox

    rt.run(mark_sandbox)  # the demo replays dates after today: a sandbox, never a live ledger
    state = run_demo(engine, Path(out_dir))
    with engine.connect() as conn:
        invoices = conn.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "invoice")) or 0
    data = {"schools": state.summary.get("schools", 0), "invoices": invoices, "pdfs": len(state.pdfs),
            **{k: v for k, v in state.summary.items() if k not in ("schools",)}}

    def text() -> str:
        lines = ["Demo database ready.", ""]
        for key, value in data.items():
            lines.append(f"  {key.replace('_', ' ')}: {_plain(value)}")
        lines += ["", f"PDFs in {out_dir}/. Try: traded school list, traded report aged-debt"]
        lines += ["", *how_to_sign_in(state, _traded_again(rt))]
        return "\n".join(lines)

    rt.emit(data, text)


def _traded_again(rt: Runtime) -> str:
    """This installation's traded, as typed from this folder, on the database the demo was built in."""
    from sqlalchemy.engine import make_url

    program = Path(sys.executable).with_name("traded")
    if not program.exists():
        shown = "traded"
    elif program.is_relative_to(Path.cwd()):
        shown = str(program.relative_to(Path.cwd()))
    else:
        shown = str(program)
    # Without --db the demo used TRADED_DATABASE_URL or the default, and so will serve.
    return shown if rt.db_url is None else f"{shown} --db {make_url(rt.db_url).render_as_string(hide_password=True)}"


def _plain(value: object) -> str:
    """Summary values for people: nested figures as 'key value, …', lists one item a line."""
    if isinstance(value, dict):
        return ", ".join(f"{str(k).replace('_', ' ')} {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "".join(f"\n      {_plain(v)}" for v in value)
    return str(value)
