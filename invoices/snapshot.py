"""What an issued document froze of its customer and the council: the JSON on the invoice row, typed.

``invoices.customer`` and ``invoices.supplier`` are JSON columns written at issue
(billing.invoicing) and read back by every PDF, view, statement and letter. These
models are their shape. The stored JSON is exactly what it was before they
existed: :meth:`_Snapshot.stored` writes only the keys the snapshot was given, in
the order they have always been written, money as text.

Every field has a default because documents issued years ago are read too: a
key written only since some release (``earns_interest``) is absent on older
rows, and tests and imports have stored thinner snapshots. Unknown keys are
kept (``extra="allow``) so nothing stored is ever lost on the way through.
"""

from __future__ import annotations

import json
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from invoices.documents import PAYMENT_TERMS_DAYS, Party


def _given(value: str | None) -> str | None:
    return value if value else None  # a blank particular is not printed


class _Snapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    def stored(self) -> dict[str, object]:
        """The JSON to store: the keys this snapshot was given (an explicit null kept), money as text."""
        return self.model_dump(mode="json", exclude_unset=True)

    # Read like the JSON it stores, as the column was read before it was typed (queries and tests):
    # snapshot["urn"] is the stored value, and a snapshot equals the dict it stores.
    def __getitem__(self, key: str) -> object:
        return self.stored()[key]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dict):
            return self.stored() == other
        return super().__eq__(other)

    def __hash__(self) -> int:
        return hash(json.dumps(self.stored(), sort_keys=True))


class CustomerSnapshot(_Snapshot):
    """The school as printed on the document, frozen at issue."""

    name: str = ""
    address: str = ""
    urn: str | None = None
    type: str | None = None  # the school type then (maintained, academy, ...)
    email: str | None = None
    # The council's interest policy for this customer at issue (§8); absent on invoices issued before it was kept.
    earns_interest: bool | None = None

    def party(self) -> Party:
        return Party(name=self.name, address=self.address, urn=_given(self.urn), email=_given(self.email))


class SupplierSnapshot(_Snapshot):
    """The council's particulars, payment details and terms as printed at issue (§7, §8)."""

    name: str = ""
    address: str = ""
    vat_number: str | None = None
    email: str | None = None
    phone: str | None = None
    bank: str | None = None
    account_name: str | None = None
    sort_code: str | None = None
    account_number: str | None = None
    cheque_payee: str | None = None
    terms_days: int = PAYMENT_TERMS_DAYS
    interest_annual_rate: Decimal = Decimal("24.00")
    interest_basis_days: int = 365

    def party(self) -> Party:
        return Party(name=self.name, address=self.address, vat_number=_given(self.vat_number),
                     email=_given(self.email), phone=_given(self.phone))
