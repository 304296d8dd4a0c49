"""`traded pricebook sample|load|show`."""

from __future__ import annotations

import click

from cli.runtime import Runtime, pass_runtime


def version_json(version: object) -> dict[str, object]:
    from pricing.pricebook import Version

    assert isinstance(version, Version)
    return {
        "year": version.year,
        "day_rate": version.day_rate,
        "hours_per_day": version.hours_per_day,
        "day_increment": version.day_increment,
        "tiers": {
            name: {
                "fees": [{"max_roll": band.max_roll, "fee": band.fee} for band in tier.fees],
                "entitlements": dict(tier.entitlements),
            }
            for name, tier in version.tiers.items()
        },
        "items": [
            {"code": i.code, "name": i.name, "unit": i.unit, "service": i.service, "price": i.price,
             "vat_code": i.vat_code}
            for i in version.items
        ],
    }


@click.group()
def pricebook() -> None:
    """Load, show or print the price book.

    \b
    Example:
      traded pricebook sample > pricebook.toml
      traded pricebook load pricebook.toml
      traded pricebook show --year 2025/26
    """


@pricebook.command("sample")
def sample() -> None:
    """Print the shipped sample price book (TOML; illustrative figures) to start a real one from.

    \b
    Example:
      traded pricebook sample > pricebook.toml
    """
    from pricing.pricebook import sample_pricebook_text

    click.echo(sample_pricebook_text(), nl=False)


@pricebook.command("load")
@click.argument("file", metavar="FILE.toml")
@pass_runtime
def load(rt: Runtime, file: str) -> None:
    """Validate and load price-book versions and the council's settings.

    A version applies from its academic year until a later version takes over;
    loading a year again replaces it (charges already raised keep their amounts).

    \b
    Example:
      traded pricebook load pricebook.toml
    """
    from pathlib import Path

    from billing.pricebooks import load_pricebook
    from pricing.errors import InvalidInput

    def service(ctx: object) -> dict[str, object]:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read price book {file}: {getattr(exc, 'strerror', None) or exc}",
                               code="unreadable_file") from None
        versions = load_pricebook(ctx, text, path.name)  # type: ignore[arg-type]
        return {"versions": [v.year for v in versions]}

    data = rt.run(service)
    rt.emit(data, f"Loaded price-book versions {', '.join(data['versions'])}.")  # type: ignore[arg-type]


@pricebook.command("show")
@click.option("--year", default=None, metavar="YEAR",
              help="Only the version in force for this academic year, e.g. 2025/26.")
@pass_runtime
def show(rt: Runtime, year: str | None) -> None:
    """Show tiers, fees, entitlements, day rate and catalogue items.

    \b
    Example:
      traded pricebook show --year 2025/26
    """
    from billing.pricebooks import council, version_for
    from billing.pricebooks import pricebook as book
    from pricing.calendars import AcademicYear

    def service(ctx: object) -> dict[str, object]:
        council(ctx)  # type: ignore[arg-type]  # refuses when nothing is loaded
        if year is not None:
            versions = [version_for(ctx, AcademicYear.parse(year))]  # type: ignore[arg-type]
        else:
            versions = book(ctx).versions  # type: ignore[arg-type]
        return {"versions": [version_json(v) for v in versions]}

    data = rt.run(service, read_only=True)

    def text() -> str:
        from cli.formats import money
        from cli.tables import table

        out = []
        for v in data["versions"]:  # type: ignore[attr-defined]
            tiers = table(["Tier", "Fees (by roll)", "Entitlements"], [
                [name, "; ".join(f"≤{b['max_roll']}: {money(b['fee'])}" if b["max_roll"] else money(b["fee"])
                                 for b in t["fees"]),
                 ", ".join(f"{k} {'unlimited' if n is None else n}" for k, n in t["entitlements"].items())]
                for name, t in v["tiers"].items()
            ], title=f"{v['year']}: day rate {money(v['day_rate'])}, {v['hours_per_day']} hours a day, "
                     f"increment {v['day_increment']} day", wrap=("Fees (by roll)", "Entitlements"))
            items = table(["Code", "Item", "Price", "VAT"],
                          [[i["code"], i["name"], money(i["price"]), i["vat_code"]] for i in v["items"]],
                          align="llrl", wrap=("Item",))
            out += [tiers, items]
        return "\n".join(out)

    rt.emit(data, text)
