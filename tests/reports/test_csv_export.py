"""CSV formula injection (issue 14): one writer for every CSV, text neutralised, numbers kept numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from billing.reports.csv_export import csv_text
from tests.reports import builders as b
from tests.support import cli_json, service_context

# What a spreadsheet would run as a formula: the OWASP list (=, +, -, @, tab, carriage return).
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_text_cells_that_start_a_formula_get_a_quote_and_numbers_stay_numbers() -> None:
    text = csv_text(["name", "amount", "count", "day", "flag", "note"],
                    [[name, Decimal("-12.50"), -3, date(2025, 9, 1), True, None] for name in HOSTILE]
                    + [["St Mary's, Hackney", Decimal("4500.00"), 0, date(2025, 9, 1), False, "a-b"]])
    rows = _rows(text)
    assert [r["name"] for r in rows] == ["'" + name for name in HOSTILE] + ["St Mary's, Hackney"]
    assert {r["amount"] for r in rows[:-1]} == {"-12.50"} and rows[-1]["amount"] == "4500.00"
    assert {r["count"] for r in rows[:-1]} == {"-3"}
    assert (rows[0]["day"], rows[0]["flag"], rows[0]["note"], rows[-1]["note"]) == ("2025-09-01", "yes", "", "a-b")


def test_the_type_decides_not_the_text() -> None:
    """A number written as a string is text: from a person it could be anything."""
    assert _rows(csv_text(["a", "b"], [["-12.50", Decimal("-12.50")]])) == [{"a": "'-12.50", "b": "-12.50"}]


def _seed(engine: Engine) -> None:
    """One school per hostile name, each with a case, delivered hours and an invoiced subscription year."""
    with service_context(engine, date(2019, 7, 1)) as ctx:
        b.pricebook(ctx)
        sam = b.staff(ctx, "Sam Patel", "Inclusion worker", "30.00")
        for n, name in enumerate(HOSTILE):
            school = b.school(ctx, urn=f"10030{n}", name=name)  # stored before names were checked
            case = b.case(ctx, school, f"C19-00{n + 1:02d}", covered=False)
            b.session(ctx, sam, "2019-10-10 09:00", "45", case_=case)
            fee = b.charge(ctx, school, "subscription_fee", "900.00", start=date(2019, 9, 1), end=date(2020, 8, 31))
            b.invoice(ctx, school, date(2019, 9, 1), [fee])


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _numbers_are_plain(rows: list[dict[str, str]], columns: list[str]) -> list[Decimal]:
    values = [Decimal(r[c]) for r in rows for c in columns if r[c] != ""]  # no quote in front: a number
    assert values
    return values


def test_every_csv_export_neutralises_hostile_names_and_keeps_negative_amounts_numbers(
        db_url: str, engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    for line in ['=cmd|" /C calc"!A0', "+44 line", "-2", "@SUM(A1)"]:
        cli_json(db_url, "budget", "set", "--fy", "FY2019/20", "--line", line, "--kind", "cost",
                 "--source", "council", "--amount", "100000.00")
    neutralised = {"'" + name for name in HOSTILE}

    cases = tmp_path / "cases.csv"
    cli_json(db_url, "report", "case-costs", "--year", "2019/20", "--csv", str(cases), as_of="2020-08-31")
    rows = _read(cases)
    assert {r["school"] for r in rows} == neutralised
    money = _numbers_are_plain(rows, ["cost", "day_rate_value", "income_billed", "subscription_share", "income",
                                      "net", "hours"])
    assert Decimal("-1350.00") in money  # an uncovered case with nothing billed yet: cost 45 h x 30.00

    schools = tmp_path / "schools.csv"
    cli_json(db_url, "report", "school", "--csv", str(schools), as_of="2020-08-31")
    rows = _read(schools)
    assert {r["school"] for r in rows} == neutralised
    assert Decimal("-450.00") in _numbers_are_plain(rows, ["subscription", "extras", "interest", "income", "cost",
                                                           "net"])  # 900.00 earned less 1,350.00 of cost

    budget = tmp_path / "budget.csv"
    cli_json(db_url, "report", "budget", "--fy", "FY2019/20", "--csv", str(budget), as_of="2020-03-31")
    rows = _read(budget)
    assert {"'=cmd|\" /C calc\"!A0", "'+44 line", "'-2", "'@SUM(A1)"} <= {r["line"] for r in rows}
    variances = _numbers_are_plain(rows, ["budget", "budget_to_date", "actual", "variance", "forecast"])
    assert any(v < 0 for v in variances)

