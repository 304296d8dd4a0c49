"""Demo phase 1: the 31 sample Hackney schools and a team like the service's own."""

from __future__ import annotations

import csv
import io
from importlib import resources
from typing import TYPE_CHECKING

from billing.context import Context
from billing.db import transaction
from billing.schools import NewSchool, add_school, add_staff
from pricing.clock import FixedClock

if TYPE_CHECKING:
    from billing.demo import DemoState

TEAM = [
    ("Morgan Ellis", "Service manager", "52.40"),
    ("Priya Shah", "Senior inclusion worker", "41.75"),
    ("Dan Okafor", "Inclusion worker", "33.20"),
    ("Ruth Baker", "Inclusion worker", "33.20"),
    ("Tom Hughes", "Inclusion worker", "31.90"),
    ("Dr Amara Osei", "CAMHS clinician", "58.60"),
]


def sample_schools() -> list[NewSchool]:
    """The shipped extract of DfE data (Open Government Licence v3.0; see billing/data/SOURCES.md)."""
    text = resources.files("billing.data").joinpath("schools-sample.csv").read_text(encoding="utf-8")
    schools = []
    for row in csv.DictReader(io.StringIO(text)):
        roll = row["number_on_roll"].strip()
        postcode = row["postcode"].strip() or None
        address = "\n".join(p for p in (row["la_name"], "London", postcode) if p)
        schools.append(NewSchool(
            urn=row["urn"], name=row["name"], type=row["engine_type"],
            number_on_roll=int(roll) if roll else None, postcode=postcode, address=address,
            laestab=row["laestab"], la_code=row["la_code"], phase=row["phase"],
            email=f"finance.{row['urn']}@schools.example",
        ))
    return schools


def run(state: DemoState) -> None:
    with transaction(state.engine) as session:
        ctx = Context(session=session, clock=FixedClock(state.setup_day), actor="demo")
        schools = sample_schools()
        for new in schools:
            add_school(ctx, new)
        for name, role, cost in TEAM:
            add_staff(ctx, name, role, cost)
    state.summary["schools"] = len(schools)
    state.summary["staff"] = len(TEAM)
