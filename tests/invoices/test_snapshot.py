"""The customer and supplier snapshots read back as the JSON they were stored as, and print one Party each."""

from __future__ import annotations

import json
from decimal import Decimal

from invoices.snapshot import CustomerSnapshot, SupplierSnapshot

CUSTOMER = {"name": "Mossbourne Community Academy", "address": "1 Downs Park Road\nLondon\nE5 8JY",
            "urn": "136346", "type": "academy", "email": None, "earns_interest": True}
SUPPLIER = {"name": "Borough of Eastbury Council", "address": "Town Hall\nEastbury", "vat_number": "GB 000 0000 00",
            "email": "traded@eastbury.example", "phone": "020 7946 0000", "bank": "Example Bank plc",
            "account_name": "Borough of Eastbury Council", "sort_code": "00-00-00", "account_number": "12345678",
            "cheque_payee": "Borough of Eastbury Council", "terms_days": 30, "interest_annual_rate": "24.00",
            "interest_basis_days": 365}


def test_stored_json_reads_back_and_dumps_to_the_same_text() -> None:
    for model, stored in ((CustomerSnapshot, CUSTOMER), (SupplierSnapshot, SUPPLIER)):
        snapshot = model.model_validate(stored)
        assert json.dumps(snapshot.stored()) == json.dumps(stored)  # same keys, same order, same values
        assert snapshot == stored


def test_fields_read_typed() -> None:
    supplier = SupplierSnapshot.model_validate(SUPPLIER)
    assert supplier.interest_annual_rate == Decimal("24.00") and supplier.terms_days == 30
    assert CustomerSnapshot.model_validate(CUSTOMER).earns_interest is True


def test_an_older_thinner_snapshot_keeps_exactly_its_keys() -> None:
    old = {"name": "Council", "address": "Town Hall", "extra_key": [1, 2]}
    supplier = SupplierSnapshot.model_validate(old)
    assert supplier.stored() == old  # defaults are not written; an unknown key is kept
    assert (supplier.terms_days, supplier.interest_annual_rate, supplier.interest_basis_days) == (30, Decimal("24.00"),
                                                                                                   365)
    assert CustomerSnapshot.model_validate({"name": "A", "address": "B"}).earns_interest is None


def test_written_at_issue_with_money_as_text() -> None:
    supplier = SupplierSnapshot(**{**SUPPLIER, "interest_annual_rate": Decimal("24.00")})  # type: ignore[arg-type]
    assert json.dumps(supplier.stored()) == json.dumps(SUPPLIER)
    customer = CustomerSnapshot(name="A", address="B", urn="1", type="academy", email=None)
    assert customer.model_copy(update={"earns_interest": False}).stored() == {
        "name": "A", "address": "B", "urn": "1", "type": "academy", "email": None, "earns_interest": False}


def test_read_like_the_stored_json() -> None:
    customer = CustomerSnapshot.model_validate(CUSTOMER)
    assert customer["urn"] == "136346" and customer["earns_interest"] is True
    assert hash(customer) == hash(CustomerSnapshot.model_validate(dict(CUSTOMER)))


def test_each_snapshot_prints_as_one_party() -> None:
    supplier = SupplierSnapshot.model_validate(SUPPLIER).party()
    assert (supplier.name, supplier.vat_number, supplier.phone, supplier.urn) == (
        "Borough of Eastbury Council", "GB 000 0000 00", "020 7946 0000", None)
    customer = CustomerSnapshot.model_validate({**CUSTOMER, "email": ""}).party()
    assert (customer.urn, customer.email, customer.address_lines) == (
        "136346", None, ("1 Downs Park Road", "London", "E5 8JY"))
