"""Storing price-book versions and council settings, and reading the ones in force.

Validation lives in pricing.pricebook; this module only keeps the validated
documents and hands back pricing objects. Reads are cached on the session, so
a bill run parses the price book once, not once per school.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from billing.context import Context
from billing.models import CouncilSettings, PriceBookVersion
from pricing.calendars import AcademicYear
from pricing.errors import NotFound
from pricing.pricebook import (
    Council,
    PriceBook,
    VatRate,
    Version,
    council_from_json,
    council_to_json,
    parse_pricebook,
    vat_rates_from_json,
    vat_rates_to_json,
    version_from_json,
    version_to_json,
)

_CACHE_KEY = "traded.pricebook"


def load_pricebook(ctx: Context, text: str, source: str = "price book") -> list[Version]:
    """Validate a TOML price book and store its versions and the council's settings.

    A version for a year already loaded replaces it (audited): charges already
    raised keep the amounts they were raised at.
    """
    parsed = parse_pricebook(text, source)
    for version in parsed.versions:
        year = version.academic_year.start_year
        existing = ctx.session.scalar(select(PriceBookVersion).where(PriceBookVersion.academic_year == year))
        document = version_to_json(version)
        if existing is None:
            ctx.session.add(PriceBookVersion(academic_year=year, document=document, loaded_at=ctx.now))
            ctx.audit("pricebook.load", "pricebook_version", version.year, {"source": source})
        elif existing.document != document:
            ctx.audit("pricebook.replace", "pricebook_version", version.year,
                      {"source": source, "previous": existing.document})
            existing.document = document
            existing.loaded_at = ctx.now
    ctx.session.add(CouncilSettings(
        document={"council": council_to_json(parsed.council), "vat_rates": vat_rates_to_json(parsed.vat_rates)},
        loaded_at=ctx.now,
    ))
    ctx.session.flush()
    ctx.session.info.pop(_CACHE_KEY, None)
    return parsed.versions


def _loaded(ctx: Context) -> dict[str, Any]:
    cached = ctx.session.info.get(_CACHE_KEY)
    if cached is None:
        rows = ctx.session.scalars(select(PriceBookVersion).order_by(PriceBookVersion.academic_year)).all()
        settings = ctx.session.scalars(select(CouncilSettings).order_by(CouncilSettings.id.desc()).limit(1)).first()
        cached = {
            "book": PriceBook(version_from_json(r.document) for r in rows),
            "council": council_from_json(settings.document["council"]) if settings else None,  # type: ignore[arg-type]
            "vat_rates": vat_rates_from_json(settings.document["vat_rates"]) if settings else [],  # type: ignore[arg-type]
        }
        ctx.session.info[_CACHE_KEY] = cached
    return cached


def pricebook(ctx: Context) -> PriceBook:
    return _loaded(ctx)["book"]  # type: ignore[no-any-return]


def version_for(ctx: Context, year: AcademicYear) -> Version:
    """The price-book version in force for an academic year."""
    return pricebook(ctx).version_for(year)


def council(ctx: Context) -> Council:
    found = _loaded(ctx)["council"]
    if found is None:
        raise NotFound("no price book is loaded: run `traded pricebook load FILE.toml` first",
                       code="no_pricebook")
    return found  # type: ignore[no-any-return]


def vat_rates(ctx: Context) -> list[VatRate]:
    council(ctx)  # same refusal when nothing is loaded
    return list(_loaded(ctx)["vat_rates"])
