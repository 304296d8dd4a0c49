from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from billing.casework import raise_casework_charges
from billing.models import Charge
from tests.billing.test_cases import INITIAL, build_world
from tests.support import cli_json, cli_refused, service_context, table_dump


@pytest.fixture
def world(engine: Engine) -> Engine:
    build_world(engine)
    return engine


def test_entitlements_agree_with_the_charges(db_url: str, world: Engine) -> None:
    for n in (1, 2, 3):
        cli_json(db_url, "case", "open", INITIAL, "--ref", f"C19-000{n}", "--referred", "2019-09-16",
                 as_of="2019-09-20")
        sid = cli_json(db_url, "session", "add", str(n), "--start", "2019-10-01 09:00", "--hours", "4",
                       "--staff", "Priya Shah", as_of="2019-09-20")["id"]
        cli_json(db_url, "session", "deliver", str(sid), as_of="2019-10-01")
    from datetime import date

    with service_context(world, date(2020, 1, 1)) as ctx:
        raise_casework_charges(ctx, date(2020, 1, 1))
        charged = sum(c.amount for c in ctx.session.scalars(select(Charge).where(Charge.kind == "casework")))
    out = cli_json(db_url, "entitlements", INITIAL, "--year", "2019/20", as_of="2020-01-01")
    assert (out["year"], out["tier"]) == ("2019/20", "initial")
    casework = next(i for i in out["items"] if i["service"] == "casework")
    # Two charged cases of 4 h each: 0.67 → 1 day each at £540.00.
    assert {k: casework[k] for k in ("included", "used", "beyond", "charged")} == {
        "included": 1, "used": 3, "beyond": 2, "charged": "1080.00"}
    assert Decimal(casework["charged"]) == charged
    assert cli_json(db_url, "entitlements", INITIAL, as_of="2020-01-01") == out  # default: the as-of year


@pytest.mark.parametrize("args", [["entitlements", "999999"], ["entitlements", INITIAL, "--year", "2019-20"]])
def test_bad_entitlement_queries_are_refused(db_url: str, world: Engine, args: list[str]) -> None:
    before = table_dump(world)
    cli_refused(db_url, *args, as_of="2020-01-01")
    assert table_dump(world) == before
