"""A school's money in the portal (issue 18): its account, invoices and credit notes, documents, statement.

Every page starts from :func:`portal.web.school_for`, so a school the person
has no link to answers 404 before anything is read; a document is then looked
up by its number *and* the school (billing.school_downloads), so another
school's number answers the same 404. The figures are billing's views
(billing.views.account, billing.statements) and the files the team's own
(`traded invoice pdf`, `traded statement --pdf`), each download audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from billing.context import Context
from billing.models import School
from billing.school_downloads import Download, document_pdf, statement_csv, statement_pdf
from billing.schools import get_school
from billing.statements import school_statement
from billing.views.account import account_view, school_documents
from invoices.documents import AGEING_BUCKETS
from portal.web import db, render, school_for
from pricing.clock import parse_date
from pricing.errors import NotFound, TradedError

KINDS = {"invoice": "Invoice", "interest": "Interest invoice", "credit_note": "Credit note",
         "payment": "Payment", "refund": "Refund", "recharge": "Internal recharge", "journal": "Journal transfer",
         "write_off": "Write-off"}
STATUSES = {"issued": ("Unpaid", "tag"), "overdue": ("Overdue", "tag tag--red"), "paid": ("Paid", "tag tag--green"),
            "credited": ("Credited", "tag tag--grey"), "written_off": ("Written off", "tag tag--grey"),
            "settled_by_journal": ("Settled by journal", "tag tag--green")}


def account(request: Request) -> HTMLResponse:
    urn = request.path_params["urn"]
    school_for(request, urn)
    with db(request) as ctx:
        view = account_view(ctx, get_school(ctx, urn))
    return render(request, "account.html", account=view, statuses=STATUSES)


def invoices(request: Request) -> HTMLResponse:
    urn = request.path_params["urn"]
    school_for(request, urn)
    with db(request) as ctx:
        rows = school_documents(ctx, get_school(ctx, urn))
        as_of = ctx.today
    return render(request, "invoices.html", documents=rows, as_of=as_of, kinds=KINDS, statuses=STATUSES)


def _download(found: Download) -> Response:
    return Response(found.content, media_type=found.media_type,
                    headers={"content-disposition": f'attachment; filename="{found.filename}"'})


def document(request: Request) -> Response:
    urn = request.path_params["urn"]
    school_for(request, urn)
    try:
        with db(request) as ctx:
            found = document_pdf(ctx, get_school(ctx, urn), request.path_params["number"])
    except NotFound:
        raise HTTPException(404) from None  # another school's number reads as one that does not exist
    return _download(found)


@dataclass(frozen=True)
class Period:
    """The statement period asked for: the dates as typed (to show again), parsed, and what is wrong with them."""

    typed_from: str
    typed_to: str
    start: date | None
    end: date | None
    errors: list[tuple[str, str]]

    @property
    def query(self) -> str:
        return f"?from={self.start.isoformat()}&to={self.end.isoformat()}" if self.start and self.end else ""


def _period(request: Request) -> Period:
    """``from`` and ``to`` (YYYY-MM-DD, each optional); the defaults are the statement's own."""
    typed = {name: request.query_params.get(name, "").strip() for name in ("from", "to")}
    parsed: dict[str, date | None] = {}
    errors: list[tuple[str, str]] = []
    for name, label in (("from", "Start date"), ("to", "End date")):
        parsed[name] = None
        if typed[name]:
            try:
                parsed[name] = parse_date(typed[name])
            except TradedError as exc:
                errors.append((name, f"{label}: {exc}"))
    start, end = parsed["from"], parsed["to"]
    if not errors and start is not None and end is not None and end < start:
        errors.append(("to", "End date must be the same as or after the start date"))
    return Period(typed["from"], typed["to"], start, end, errors)


def statement(request: Request) -> HTMLResponse:
    urn = request.path_params["urn"]
    school_for(request, urn)
    period = _period(request)
    if period.errors:
        return render(request, "statement.html", status_code=400, period=period, statement=None, kinds=KINDS,
                      buckets=AGEING_BUCKETS)
    with db(request) as ctx:
        try:
            st = school_statement(ctx, urn, period.start, period.end, with_entitlements=False)
        except TradedError as exc:  # a start after today's default end
            failed = Period(period.typed_from, period.typed_to, period.start, period.end, [("from", str(exc))])
            return render(request, "statement.html", status_code=400, period=failed, statement=None, kinds=KINDS,
                          buckets=AGEING_BUCKETS)
    shown = Period(st.start.isoformat(), st.end.isoformat(), st.start, st.end, [])
    return render(request, "statement.html", period=shown, statement=st, kinds=KINDS, buckets=AGEING_BUCKETS)


MakeFile = Callable[[Context, School, date | None, date | None], Download]


def _statement_file(request: Request, make: MakeFile) -> Response:
    urn = request.path_params["urn"]
    school_for(request, urn)
    period = _period(request)
    back = RedirectResponse(f"/schools/{quote(urn)}/statement?{request.url.query}", status_code=303)
    if period.errors:
        return back  # the statement page says what is wrong, beside the fields
    try:
        with db(request) as ctx:
            found = make(ctx, get_school(ctx, urn), period.start, period.end)
    except TradedError:
        return back
    return _download(found)


def statement_as_pdf(request: Request) -> Response:
    return _statement_file(request, statement_pdf)


def statement_as_csv(request: Request) -> Response:
    return _statement_file(request, statement_csv)


ROUTES = [
    Route("/schools/{urn}/", account, name="account"),
    Route("/schools/{urn}/invoices", invoices, name="invoices"),
    Route("/schools/{urn}/documents/{number}.pdf", document, name="document"),
    Route("/schools/{urn}/statement", statement, name="statement"),
    Route("/schools/{urn}/statement.pdf", statement_as_pdf, name="statement_pdf"),
    Route("/schools/{urn}/statement.csv", statement_as_csv, name="statement_csv"),
]
