"""The price book: the council's settings, dated VAT rates and one version per academic year.

Rules: domain-rules.md §2 (catalogue, two tiers priced per academic year, fees by
number-on-roll band, entitlements as data with "no cap" allowed, day rate and hours
per day as price-book values) and §7/§8 (the council's invoice and interest settings).

The book is written in TOML. TOML has no null, so "no cap" is written
``"unlimited"`` and read as ``None``. Money is always a decimal string
(``"540.00"``): a TOML float is refused, because a binary float cannot hold
pounds and pence exactly. Every refusal is one line naming the key path, e.g.
``price book: version[1].tiers.premium.fees[0].fee: must be a decimal string like "540.00"``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pricing.calendars import AcademicYear, CalendarError
from pricing.errors import InvalidInput, NotFound
from pricing.establishment import Capacity
from pricing.fees import FySplitBasis, ScheduleName
from pricing.money import ZERO, MoneyError, money, parse_money

SERVICES: tuple[str, ...] = ("casework", "whole_class", "training", "team_teach", "ambassadors", "coaching")
"""What an item or an entitlement draws on (domain-rules §2)."""

TIER_NAMES: tuple[str, ...] = ("premium", "initial")
UNITS: tuple[str, ...] = ("session", "place", "day", "block")
UNLIMITED = "unlimited"
CASEWORK_DAY = "casework_day"
"""The item that prices extra casework: one day at the version's day rate (domain-rules §6)."""

Service = Literal["casework", "whole_class", "training", "team_teach", "ambassadors", "coaching"]
TierName = Literal["premium", "initial"]
Unit = Literal["session", "place", "day", "block"]
ItemVatCode = Literal["S", "E"]


class PriceBookError(InvalidInput):
    """A price book that cannot be read or breaks a rule; the message names the key path."""


# --- value parsers (run before pydantic's own checks) -------------------------------------


def _fail(message: str, at: str = "") -> PydanticCustomError:
    """An error for the formatter: ``at`` is a path below the failing model, if any."""
    return PydanticCustomError("price_book", "{message}", {"message": message, "at": at})


def _decimal_text(value: object, example: str, allow_int: bool = False) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise _fail(f'must be a decimal string like "{example}"')
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str) or (allow_int and isinstance(value, int)):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise _fail(f'must be a decimal string like "{example}", not {value!r}') from None
    else:
        raise _fail(f'must be a decimal string like "{example}"')
    if not number.is_finite():
        raise _fail(f"must be a finite number, not {value!r}")
    if number and number.adjusted() >= 10:  # beyond NUMERIC(12,2), and beyond any real fee
        raise _fail(f"is too large, not {value!r}")
    return number


def _money_field(value: object) -> Decimal:
    amount = _decimal_text(value, "540.00")
    try:
        amount = money(amount)
    except MoneyError:
        raise _fail(f"{value!r} has fractions of a penny") from None
    if amount < 0:
        raise _fail(f"must not be negative, not {value!r}")
    if isinstance(value, str):  # typed in a file: the same strict reading as every other amount
        try:
            parse_money(value, "amount")
        except MoneyError as exc:
            raise _fail(exc.message) from None
    return amount if amount else ZERO  # "-0.00" is stored as 0.00


def _percent_field(value: object) -> Decimal:
    rate = _decimal_text(value, "20.00")
    if not Decimal(0) <= rate <= Decimal(100):
        raise _fail(f"must be a percentage from 0 to 100, not {value!r}")
    return rate


def _quantity_field(value: object) -> Decimal:
    return _decimal_text(value, "6", allow_int=True)


def _cap_field(value: object) -> int | None:
    """An entitlement: a whole number included per academic year, or "unlimited" (no cap)."""
    if value is None or value == UNLIMITED:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(f'must be a whole number (0 or more) or "{UNLIMITED}", not {value!r}')
    return value


Money = Annotated[Decimal, BeforeValidator(_money_field)]
Percent = Annotated[Decimal, BeforeValidator(_percent_field)]
Quantity = Annotated[Decimal, BeforeValidator(_quantity_field)]
Cap = Annotated[int | None, BeforeValidator(_cap_field)]
Text = Annotated[str, Field(strict=True, min_length=1)]

_CONFIG = ConfigDict(
    frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
)


# --- the council --------------------------------------------------------------------------


class Bacs(BaseModel):
    """Where schools pay by bank transfer (printed on every invoice)."""

    model_config = _CONFIG

    bank: Text
    account_name: Text
    sort_code: Annotated[str, Field(strict=True, pattern=r"^\d{2}-\d{2}-\d{2}$")]
    account_number: Annotated[str, Field(strict=True, pattern=r"^\d{8}$")]


class InterestPolicy(BaseModel):
    """Late-payment interest (domain-rules §8): simple, daily, ``annual_rate`` % over ``basis_days``."""

    model_config = _CONFIG

    annual_rate: Percent = Decimal("24.00")
    basis_days: Annotated[int, Field(strict=True, ge=360, le=366)] = 365
    charge_own_maintained: Annotated[bool, Field(strict=True)] = False


class CapacitySettings(BaseModel):
    """How many hours a full-time post-holder can deliver (issue 19: utilisation and full cost per case).

    Hours a week, and the annual leave (bank holidays apart: they are not working days) and
    training days a full-time year takes; part-time posts take them pro rata to FTE.
    """

    model_config = _CONFIG

    hours_per_week: Quantity = Decimal("37")
    leave_days: Quantity = Decimal("27")
    training_days: Quantity = Decimal("5")

    def rule(self) -> Capacity:
        return Capacity(self.hours_per_week, self.leave_days, self.training_days)


class BankProfile(BaseModel):
    """Where one bank's CSV export keeps each field, for ``traded payment import --profile NAME``.

    Values are the file's column headers (compared without regard to case). The
    amount is either one signed column (``amount``) or a ``credit`` column of
    money in with an optional ``debit`` column of money out, as some banks export.
    """

    model_config = _CONFIG

    date: Text
    reference: Text
    amount: Text | None = None
    credit: Text | None = None
    debit: Text | None = None

    @model_validator(mode="after")
    def _one_way_to_read_amounts(self) -> BankProfile:
        if (self.amount is None) == (self.credit is None):
            raise _fail('needs either "amount" (one signed column) or "credit" (and optionally "debit")')
        if self.debit is not None and self.credit is None:
            raise _fail('goes with "credit", not with "amount"', "debit")
        return self

    def columns(self) -> dict[str, str]:
        """The column map the bank reader takes: field name -> header."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


_PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class CaseRefs(BaseModel):
    """How the service numbers its cases (domain-rules §6: a case is known only by its reference).

    A reference is ``prefix`` + the two last digits of the referral's academic year
    (its starting year) + ``-`` + a serial of ``serial_digits`` digits: with the
    defaults, C25-0001 is the first case referred in 2025/26. ``traded case open``
    without ``--ref`` assigns the next one; a reference given must match.
    """

    model_config = _CONFIG

    prefix: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{1,4}$")] = "C"
    serial_digits: Annotated[int, Field(strict=True, ge=3, le=6)] = 4

    @property
    def pattern(self) -> str:
        """The regular expression every reference matches, e.g. ``^C\\d{2}-\\d{4}$``."""
        return rf"^{self.prefix}\d{{2}}-\d{{{self.serial_digits}}}$"

    def make(self, start_year: int, serial: int) -> str:
        """The reference of case number ``serial`` referred in the academic year starting in ``start_year``."""
        return f"{self.prefix}{start_year % 100:02d}-{serial:0{self.serial_digits}d}"


CONTACT_ROLES: tuple[str, ...] = ("finance", "head", "business_manager", "senco")
"""A school contact's roles (billing.models.schools keeps the same words for its CHECK constraint)."""
MAIL_DOCUMENTS: tuple[str, ...] = ("invoice", "credit_note", "reminder", "statement")
"""The documents emailed to schools, each to the contacts ``[council.mail_recipients]`` names."""

ContactRole = Literal["finance", "head", "business_manager", "senco"]


def _roles(value: object) -> object:
    if not isinstance(value, list | tuple):
        raise _fail(f'must be a list of roles like ["finance", "head"] (use {", ".join(CONTACT_ROLES)})')
    if not value:
        raise _fail(f"must name at least one role (use {', '.join(CONTACT_ROLES)})")
    for i, role in enumerate(value):
        if role not in CONTACT_ROLES:
            raise _fail(f"unknown role {role!r} (use {', '.join(CONTACT_ROLES)})", f"[{i}]")
    return value


Roles = Annotated[tuple[ContactRole, ...], BeforeValidator(_roles)]


class MailRecipients(BaseModel):
    """Which of a school's contacts each document is emailed to, by role (issue 17); finance by default.

    Every contact in a listed role current on the day receives it, each address
    once; a school with none of them is sent to its own email.
    """

    model_config = _CONFIG

    invoice: Roles = ("finance",)
    credit_note: Roles = ("finance",)
    reminder: Roles = ("finance",)
    statement: Roles = ("finance",)

    @model_validator(mode="before")
    @classmethod
    def _known_documents(cls, value: object) -> object:
        if isinstance(value, Mapping):
            for key in value:
                if key not in MAIL_DOCUMENTS:
                    raise _fail(f"unknown document (use {', '.join(MAIL_DOCUMENTS)})", str(key))
        return value

    def roles(self, document: str) -> tuple[str, ...]:
        """The roles ``document`` (invoice, credit_note, reminder, statement) is sent to."""
        if document not in MAIL_DOCUMENTS:
            raise InvalidInput(f"no mail recipients for {document!r} (use {', '.join(MAIL_DOCUMENTS)})")
        found: tuple[str, ...] = getattr(self, document)
        return found


_LEDGER_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,23}$")
LEDGER_FIELDS: tuple[str, ...] = (
    "batch", "line", "date", "account", "cost_centre", "debit", "credit", "amount", "description", "document", "urn")
"""What a column of a ledger export can hold (docs/ledger-export.md); ``amount`` is signed, debits positive."""


def _ledger_code(value: object) -> str:
    """An account code or cost centre: 1 to 24 letters, digits, ``.``, ``/``, ``_``, ``-``, starting with a letter or digit.

    Short and plain, so a finance system's import takes it as it is and a spreadsheet never reads it as a formula.
    """
    if not isinstance(value, str) or not _LEDGER_CODE.match(value):
        raise _fail(f'must be a code of 1 to 24 letters, digits, ".", "/", "_" or "-", like "R4100", not {value!r}')
    return value


LedgerCode = Annotated[str, BeforeValidator(_ledger_code)]

SCHOOL_CENTRE_FIELDS: dict[str, int] = {"laestab": 7, "estab": 4, "urn": 6}
"""What a school's cost-centre pattern may name, and how many digits each is: the school's
LAESTAB, its establishment number (LAESTAB's last four digits) and its URN."""
_SCHOOL_CENTRE_PART = re.compile(r"\{([^{}]*)\}")


def _school_centre_pattern(value: object) -> str:
    """A pattern like ``"{laestab}"`` or ``"S{estab}"`` whose every rendering is a ledger code."""
    if not isinstance(value, str):
        raise _fail(f'must be a pattern like "{{laestab}}" or "S{{estab}}", not {value!r}')
    names = _SCHOOL_CENTRE_PART.findall(value)
    unknown = [n for n in names if n not in SCHOOL_CENTRE_FIELDS]
    if unknown:
        raise _fail(f'names {{{unknown[0]}}}: a pattern names {{laestab}}, {{estab}} or {{urn}}, not {value!r}')
    if not names:
        raise _fail(f'must name {{laestab}}, {{estab}} or {{urn}} (one cost centre per school), not {value!r}')
    widest = _SCHOOL_CENTRE_PART.sub(lambda m: "9" * SCHOOL_CENTRE_FIELDS[m.group(1)], value)
    if not _LEDGER_CODE.match(widest):
        raise _fail('must make a code of 1 to 24 letters, digits, ".", "/", "_" or "-" for every school, '
                    f'starting with a letter or digit, not {value!r}')
    return value


SchoolCentrePattern = Annotated[str, BeforeValidator(_school_centre_pattern)]


class IncomeCodes(BaseModel):
    """Where one catalogue item's or tier's income is posted; either left out takes the chart's default."""

    model_config = _CONFIG

    income: LedgerCode | None = None
    cost_centre: LedgerCode | None = None


class LedgerColumn(BaseModel):
    model_config = _CONFIG

    field: Literal["batch", "line", "date", "account", "cost_centre", "debit", "credit", "amount", "description",
                   "document", "urn"]
    header: Text


class LedgerProfile(BaseModel):
    """A council's own journal-import layout for ``traded ledger export --profile NAME``: data, not code.

    The columns in file order, each one of :data:`LEDGER_FIELDS` under the header the finance
    system expects; dates ISO (``2026-01-31``) or UK (``31/01/2026``). Amounts are either
    ``debit`` and ``credit`` columns or one signed ``amount`` column (debits positive).
    """

    model_config = _CONFIG

    columns: list[LedgerColumn]
    date_format: Literal["iso", "uk"] = "iso"

    @field_validator("columns")
    @classmethod
    def _postable(cls, columns: list[LedgerColumn]) -> list[LedgerColumn]:
        fields = [c.field for c in columns]
        for i, name in enumerate(fields):
            if name in fields[:i]:
                raise _fail(f'"{name}" is listed twice', f"[{i}].field")
        if "account" not in fields or "date" not in fields:
            raise _fail('must include "date" and "account"')
        if "amount" not in fields and not {"debit", "credit"} <= set(fields):
            raise _fail('must include "amount" (signed) or both "debit" and "credit"')
        return columns


class LedgerCodes(BaseModel):
    """The chart of codes the general-ledger export posts to (issue 20).

    Income by catalogue item and subscription tier (``items``, ``tiers``), each falling back to
    ``income`` and ``cost_centre``; interest to ``interest_income``; the balance-sheet codes
    (``vat_output``, ``debtors_control``, ``bank``, ``journal_clearing``) under
    ``control_cost_centre`` when the council gives one. ``write_off_expense`` and
    ``journal_clearing`` are for write-offs and settlement by journal: a journal transfer's
    clearing line carries the school's own cost centre by ``school_cost_centre``, a pattern
    over its LAESTAB or URN. Absent in older stored
    books: the defaults, placeholders that name what each code is for.
    """

    model_config = _CONFIG

    income: LedgerCode = "INCOME"
    cost_centre: LedgerCode = "TRADED"
    vat_output: LedgerCode = "VAT-OUTPUT"
    debtors_control: LedgerCode = "DEBTORS"
    bank: LedgerCode = "BANK"
    interest_income: LedgerCode = "INTEREST"
    write_off_expense: LedgerCode = "BAD-DEBT"
    journal_clearing: LedgerCode = "JOURNAL-CLEARING"
    control_cost_centre: LedgerCode | None = None
    school_cost_centre: SchoolCentrePattern | None = None
    """A maintained school's own cost centre, from its LAESTAB or URN, which its journal transfers carry."""
    items: dict[str, IncomeCodes] = Field(default_factory=dict)
    tiers: dict[TierName, IncomeCodes] = Field(default_factory=dict)
    profiles: dict[str, LedgerProfile] = Field(default_factory=dict)

    @field_validator("items", mode="before")
    @classmethod
    def _item_codes(cls, value: object) -> object:
        if isinstance(value, Mapping):
            for key in value:
                if not isinstance(key, str) or not re.match(r"^[a-z][a-z0-9_]*$", key):
                    raise _fail('an item is named by its catalogue code, like "cpd_place"', str(key))
        return value

    @field_validator("tiers", mode="before")
    @classmethod
    def _tier_names(cls, value: object) -> object:
        if isinstance(value, Mapping):
            for key in value:
                if key not in TIER_NAMES:
                    raise _fail("unknown tier (use premium and initial)", str(key))
        return value

    @field_validator("profiles", mode="before")
    @classmethod
    def _profile_names(cls, value: object) -> object:
        if isinstance(value, Mapping):
            for key in value:
                if not isinstance(key, str) or not _PROFILE_NAME.match(key):
                    raise _fail('a profile name is lower case letters, digits, "-" and "_", like "oracle"', str(key))
        return value

    def item_income(self, code: str) -> tuple[str, str]:
        """(income code, cost centre) of a catalogue item's income."""
        return self._income(self.items.get(code))

    def tier_income(self, name: str) -> tuple[str, str]:
        """(income code, cost centre) of a subscription tier's fees."""
        return self._income(self.tiers.get(name))  # type: ignore[call-overload]

    def default_income(self) -> tuple[str, str]:
        return self._income(None)

    def _income(self, codes: IncomeCodes | None) -> tuple[str, str]:
        if codes is None:
            return self.income, self.cost_centre
        return codes.income or self.income, codes.cost_centre or self.cost_centre

    def school_centre(self, urn: str, laestab: str | None) -> str | None:
        """The school's cost centre by ``school_cost_centre``: None with no pattern, or when the pattern
        names the LAESTAB (or its establishment number) and the school has none recorded."""
        if self.school_cost_centre is None:
            return None
        values = {"urn": urn, "laestab": laestab, "estab": laestab[3:] if laestab else None}
        if any(values[n] is None for n in _SCHOOL_CENTRE_PART.findall(self.school_cost_centre)):
            return None
        return _SCHOOL_CENTRE_PART.sub(lambda m: str(values[m.group(1)]), self.school_cost_centre)

    def profile(self, name: str) -> LedgerProfile:
        """The named export layout; refused, listing the known names, when there is none."""
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles)) or "none in the price book"
            raise NotFound(f'no ledger profile "{name}" (known: {known})', code="unknown_ledger_profile") from None


_VAT_NUMBER = re.compile(r"^(GB)?(\d{9}|\d{12})$")
_PREFIX = r"^[A-Z0-9-]{1,6}$"


class JournalSettings(BaseModel):
    """Settlement by journal for the council's own maintained schools (issue 20).

    A maintained school is part of the council: with ``settle_maintained_by_journal`` on, what
    the bill run would invoice it is an internal recharge instead, numbered ``recharge_prefix``
    + six digits in a gap-free series of its own (JNL-000001), with no due date, settled on
    issue by a journal transfer from the school's budget. A school that opts out
    (``traded school edit URN --no-journal``) is invoiced as any customer, with one line of
    ``opt_out_admin_charge`` (outside the scope of VAT) on each invoice: £25.00 by default, about
    what raising, posting and chasing one more invoice costs (Bury charges £100 a term).
    Absent in older stored books: these defaults.
    """

    model_config = _CONFIG

    settle_maintained_by_journal: Annotated[bool, Field(strict=True)] = True
    recharge_prefix: Annotated[str, Field(strict=True, pattern=_PREFIX)] = "JNL-"
    opt_out_admin_charge: Money = Decimal("25.00")



class Council(BaseModel):
    """The supplier on every invoice: name, address, VAT number, payment details and terms."""

    model_config = _CONFIG

    name: Text
    address: Text
    vat_number: Text
    la_code: Annotated[str, Field(strict=True, pattern=r"^\d{3}$")]
    email: Annotated[str, Field(strict=True, pattern=r"^[^@\s]+@[^@\s]+$")]
    phone: Text
    # Numbers must fit an 18-character BACS reference (domain-rules §7), so prefixes are short.
    invoice_prefix: Annotated[str, Field(strict=True, pattern=_PREFIX)] = "INV-"
    credit_note_prefix: Annotated[str, Field(strict=True, pattern=_PREFIX)] = "CN-"
    payment_terms_days: Annotated[int, Field(strict=True, ge=1, le=365)] = 30
    bacs: Bacs
    cheque_payee: Text
    interest: InterestPolicy = InterestPolicy()
    # Domain rules §6: only subscribers can refer a case, unless this allows casework for
    # schools without a subscription, charged at the day rate. Absent in older stored books.
    pay_as_you_go_casework: Annotated[bool, Field(strict=True)] = False
    # Domain rules §6: the pattern of case references (absent in older stored books: C25-0001).
    case_refs: CaseRefs = CaseRefs()
    # Named bank CSV layouts (domain-rules §8): data, so a new bank needs no code.
    bank_profiles: dict[str, BankProfile] = Field(default_factory=dict)
    # Issue 17: who at a school each emailed document goes to (absent in older stored books: finance).
    mail_recipients: MailRecipients = MailRecipients()
    # Issue 19: the hours a post-holder can deliver, for utilisation (absent in older stored books: defaults).
    capacity: CapacitySettings = CapacitySettings()
    # Issue 20: the chart of codes for the general-ledger export (absent in older stored books: placeholders).
    ledger: LedgerCodes = LedgerCodes()
    # Issue 20: how an fy-split subscription shares a year's fee between the parts before and
    # from 1 April (docs/rules.md §3), and the schedule a maintained school's new subscription
    # takes when none is asked for (None: the subscription's own default, annual).
    fy_split_basis: FySplitBasis = "months"
    maintained_schedule: ScheduleName | None = None
    # Issue 20: bad debts written off are numbered in a series of their own (docs/rules.md §7).
    write_off_prefix: Annotated[str, Field(strict=True, pattern=_PREFIX)] = "WO-"
    # Issue 20: maintained schools settled by journal, the recharge series, the opt-out's admin charge.
    journal: JournalSettings = JournalSettings()

    @field_validator("bank_profiles", mode="before")
    @classmethod
    def _profile_names(cls, value: object) -> object:
        if isinstance(value, Mapping):
            for key in value:
                if not isinstance(key, str) or not _PROFILE_NAME.match(key):
                    raise _fail('a profile name is lower case letters, digits, "-" and "_", like "lloyds"', str(key))
        return value

    def bank_profile(self, name: str) -> BankProfile:
        """The named bank CSV layout; refused, listing the known names, when there is none."""
        try:
            return self.bank_profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.bank_profiles)) or "none in the price book"
            raise NotFound(f'no bank profile "{name}" (known: {known})', code="unknown_bank_profile") from None

    @field_validator("vat_number")
    @classmethod
    def _uk_vat_number(cls, value: str) -> str:
        if not _VAT_NUMBER.match(value.replace(" ", "").upper()):
            raise _fail(f'must be a UK VAT number like "GB 123 4567 89", not {value!r}')
        return value

    @model_validator(mode="after")
    def _write_off_series_apart(self) -> Council:
        if self.write_off_prefix in (self.invoice_prefix, self.credit_note_prefix):
            raise _fail("must differ from invoice_prefix and credit_note_prefix (each series is numbered apart)",
                        "write_off_prefix")
        return self

    @model_validator(mode="after")
    def _distinct_series(self) -> Council:
        if self.invoice_prefix == self.credit_note_prefix:
            raise _fail(
                "must differ from invoice_prefix (the two series are numbered apart)", "credit_note_prefix"
            )
        if self.journal.recharge_prefix in (self.invoice_prefix, self.credit_note_prefix):
            raise _fail("must differ from invoice_prefix and credit_note_prefix (recharges are numbered apart)",
                        "journal.recharge_prefix")
        return self


class VatRate(BaseModel):
    """The standard VAT rate (percent) in force from ``from_`` until the next dated rate."""

    model_config = _CONFIG

    from_: date = Field(alias="from")
    standard: Percent


# --- a version of the price list ----------------------------------------------------------


class Item(BaseModel):
    """A catalogue item. ``vat_code`` applies to customers other than the council's own maintained schools."""

    model_config = _CONFIG

    code: Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_]*$")]
    name: Text
    unit: Unit
    price: Money
    vat_code: ItemVatCode
    service: Service

    @field_validator("vat_code", mode="before")
    @classmethod
    def _known_vat_code(cls, value: object) -> object:
        if value not in ("S", "E"):
            raise _fail(f"unknown VAT code {value!r}: an item is S (standard rate) or E (exempt)")
        return value


class TierBand(BaseModel):
    """A fee for schools with at most ``max_roll`` pupils on roll; ``None`` = no upper limit."""

    model_config = _CONFIG

    max_roll: Annotated[int | None, Field(strict=True, ge=1)] = None
    fee: Money


class Tier(BaseModel):
    """A subscription tier's yearly fee by number-on-roll band, and what it includes."""

    model_config = _CONFIG

    fees: list[TierBand]
    entitlements: dict[str, Cap] = Field(default_factory=dict)

    @field_validator("fees")
    @classmethod
    def _bands_cover_every_roll(cls, bands: list[TierBand]) -> list[TierBand]:
        if not bands:
            raise _fail("must list at least one fee band")
        for i, band in enumerate(bands[:-1]):
            if band.max_roll is None:
                raise _fail("only the last band may be open-ended (no max_roll)", f"[{i}].max_roll")
            nxt = bands[i + 1].max_roll
            if nxt is not None and nxt <= band.max_roll:
                raise _fail(f"bands must rise: {nxt} is not above {band.max_roll}", f"[{i + 1}].max_roll")
        if bands[-1].max_roll is not None:
            raise _fail(
                "the last band must be open-ended (leave out max_roll)", f"[{len(bands) - 1}].max_roll"
            )
        return bands

    @field_validator("entitlements", mode="before")
    @classmethod
    def _known_services(cls, value: object) -> object:
        if isinstance(value, Mapping):
            for key in value:
                if key not in SERVICES:
                    raise _fail(f"unknown service (use {', '.join(SERVICES)})", str(key))
        return value

    def fee_for_roll(self, number_on_roll: int | None) -> Decimal:
        """The yearly fee for a school of this size (domain-rules §2: fees may depend on the size band).

        A school whose number on roll is not recorded pays the first (smallest) band: the
        council never charges more than its own data supports.
        """
        if number_on_roll is None:
            return self.fees[0].fee
        if isinstance(number_on_roll, bool) or number_on_roll < 0:
            raise InvalidInput(f"number on roll {number_on_roll!r} must be a whole number of 0 or more")
        for band in self.fees:
            if band.max_roll is None or number_on_roll <= band.max_roll:
                return band.fee
        raise AssertionError("the last band is open-ended")  # pragma: no cover

    def included(self, service: str) -> int | None:
        """How many of ``service`` the tier includes per academic year; ``None`` = no cap, absent = 0."""
        if service not in SERVICES:
            raise InvalidInput(f"unknown service {service!r} (use {', '.join(SERVICES)})")
        return self.entitlements.get(service, 0)


class Version(BaseModel):
    """One academic year's prices (domain-rules §2): day rate, tiers and catalogue."""

    model_config = _CONFIG

    year: str
    day_rate: Money
    hours_per_day: Quantity
    day_increment: Quantity = Decimal("0.5")
    items: list[Item]
    tiers: dict[TierName, Tier]

    @field_validator("year", mode="before")
    @classmethod
    def _year_name(cls, value: object) -> str:
        if not isinstance(value, str):
            raise _fail('must be an academic year like "2019/20"')
        try:
            return AcademicYear.parse(value).name
        except CalendarError as exc:
            raise _fail(exc.message) from None

    @field_validator("day_rate")
    @classmethod
    def _positive_day_rate(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise _fail("must be more than 0.00")
        return value

    @field_validator("hours_per_day")
    @classmethod
    def _hours_in_a_day(cls, value: Decimal) -> Decimal:
        if not Decimal(0) < value <= Decimal(24):
            raise _fail(f"must be more than 0 and at most 24, not {value}")
        return value

    @field_validator("day_increment")
    @classmethod
    def _increment(cls, value: Decimal) -> Decimal:
        if not Decimal(0) < value <= Decimal(1):
            raise _fail(f"must be more than 0 and at most 1 (a fraction of a day), not {value}")
        return value

    @field_validator("tiers", mode="before")
    @classmethod
    def _both_tiers(cls, value: object) -> object:
        if isinstance(value, Mapping):
            for key in value:
                if key not in TIER_NAMES:
                    raise _fail("unknown tier (use premium and initial)", str(key))
            for name in TIER_NAMES:
                if name not in value:
                    raise _fail("is required (every version prices both tiers)", name)
        return value

    @model_validator(mode="after")
    def _catalogue(self) -> Version:
        seen: set[str] = set()
        for i, item in enumerate(self.items):
            if item.code in seen:
                raise _fail(f'duplicate item code "{item.code}"', f"items[{i}].code")
            seen.add(item.code)
        day = next((i for i, item in enumerate(self.items) if item.code == CASEWORK_DAY), None)
        if day is None:
            raise _fail(f'must include a "{CASEWORK_DAY}" item (extra casework at the day rate)', "items")
        if self.items[day].price != self.day_rate:
            raise _fail(f"must equal day_rate {self.day_rate}", f"items[{day}].price")
        return self

    @property
    def academic_year(self) -> AcademicYear:
        return AcademicYear.parse(self.year)

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise NotFound(f'Price book {self.year} has no item "{code}".')

    def tier(self, name: str) -> Tier:
        try:
            return self.tiers[name]  # type: ignore[index]
        except KeyError:
            raise NotFound(f'Price book {self.year} has no tier "{name}" (use premium or initial).') from None


class PriceBookFile(BaseModel):
    """A whole price-book file: council settings, dated VAT rates and versions."""

    model_config = _CONFIG

    council: Council
    vat_rates: list[VatRate]
    versions: list[Version] = Field(alias="version")

    @model_validator(mode="after")
    def _dated_and_distinct(self) -> PriceBookFile:
        if not self.vat_rates:
            raise _fail("must list at least one dated rate", "vat_rates")
        starts: set[date] = set()
        for i, rate in enumerate(self.vat_rates):
            if rate.from_ in starts:
                raise _fail(f"two rates start on {rate.from_.isoformat()}", f"vat_rates[{i}].from")
            starts.add(rate.from_)
        if not self.versions:
            raise _fail("must list at least one version", "version")
        years: set[str] = set()
        for i, version in enumerate(self.versions):
            if version.year in years:
                raise _fail(f"academic year {version.year} has two versions", f"version[{i}].year")
            years.add(version.year)
        catalogue = {item.code for version in self.versions for item in version.items}
        for code in self.council.ledger.items:
            if code not in catalogue:
                raise _fail("is not an item of any version's catalogue", f"council.ledger.items.{code}")
        return self

    def pricebook(self) -> PriceBook:
        return PriceBook(self.versions)


# --- reading ------------------------------------------------------------------------------


def _path(loc: Iterable[int | str], at: str) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part != "[key]":
            text += f".{part}" if text else part
    if at:
        text += at if at.startswith("[") or not text else f".{at}"
    return text


_PLAIN = {
    "missing": "is required",
    "extra_forbidden": "is not a known key",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "date_type": "must be a date like 2011-01-04",
    "date_from_datetime_inexact": "must be a date like 2011-01-04, without a time",
}


_FORMS = {
    "sort_code": 'must look like "20-00-00"',
    "account_number": "must be 8 digits",
    "la_code": 'must be a 3-digit LA code like "204"',
    "email": "must be an email address",
    "invoice_prefix": "must be 1 to 6 characters of A-Z, 0-9 and - (it starts an 18-character BACS reference)",
    "credit_note_prefix": "must be 1 to 6 characters of A-Z, 0-9 and - (it starts an 18-character BACS reference)",
    "code": 'must be lower case, letters, digits and _, like "cpd_place"',
}


def _one_line(exc: ValidationError, source: str) -> PriceBookError:
    errors = exc.errors(include_url=False)
    # A misspelt key shows up as an unknown key plus a missing one; the unknown one says why.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    ctx = first.get("ctx") or {}
    if first["type"] == "price_book":
        message = str(ctx["message"])
    elif first["type"] == "string_pattern_mismatch":
        message = (
            f"{_FORMS.get(str(first['loc'][-1]), 'does not have the expected form')}, not {first['input']!r}"
        )
    else:
        message = _PLAIN.get(first["type"]) or first["msg"].replace("Input should be", "must be")
        if first["type"] == "literal_error":
            message += f", not {first['input']!r}"
    path = _path(first["loc"], str(ctx.get("at", "")))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return PriceBookError(f"{source}: {path}: {message}{more}" if path else f"{source}: {message}{more}")


def parse_pricebook(text: str, source: str = "price book") -> PriceBookFile:
    """Read and check a TOML price book; refuse it with one line naming the bad key path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PriceBookError(f"{source}: not valid TOML: {exc}") from None
    try:
        return PriceBookFile.model_validate(data)
    except ValidationError as exc:
        raise _one_line(exc, source) from None


def sample_pricebook_text() -> str:
    """The shipped sample price book (illustrative figures), as TOML text."""
    return resources.files("pricing.data").joinpath("pricebook-sample.toml").read_text(encoding="utf-8")


def sample_pricebook() -> PriceBookFile:
    return parse_pricebook(sample_pricebook_text(), "sample price book")


# --- which version applies ----------------------------------------------------------------


class PriceBook:
    """Versions in force: a version applies from its academic year until a later version takes over."""

    def __init__(self, versions: Iterable[Version]) -> None:
        ordered = sorted(versions, key=lambda v: v.academic_year)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if earlier.academic_year == later.academic_year:
                raise PriceBookError(f"price book: academic year {later.year} has two versions")
        self._versions = ordered

    @property
    def versions(self) -> list[Version]:
        return list(self._versions)

    def version_for(self, year: AcademicYear) -> Version:
        """The version in force for ``year``: the latest one starting in or before it."""
        if not self._versions:
            raise NotFound("No price book is loaded.")
        found = None
        for version in self._versions:
            if version.academic_year <= year:
                found = version
        if found is None:
            raise NotFound(
                f"No price book applies to {year.name}: the first version is for {self._versions[0].year}."
            )
        return found


# --- storing as JSON (billing keeps validated documents) ----------------------------------


def _from_json(model: type[BaseModel], document: Mapping[str, Any], what: str) -> Any:
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise _one_line(exc, what) from None


def version_to_json(version: Version) -> dict[str, Any]:
    """A version as plain JSON (money as strings like "540.00", no cap as null)."""
    return version.model_dump(mode="json")


def version_from_json(document: Mapping[str, Any]) -> Version:
    """Read back a stored version, checking it again."""
    result: Version = _from_json(Version, document, "stored price book version")
    return result


def council_to_json(council: Council) -> dict[str, Any]:
    return council.model_dump(mode="json")


def council_from_json(document: Mapping[str, Any]) -> Council:
    result: Council = _from_json(Council, document, "stored council settings")
    return result


def vat_rates_to_json(rates: Iterable[VatRate]) -> list[dict[str, Any]]:
    return [rate.model_dump(mode="json") for rate in rates]


def vat_rates_from_json(documents: Iterable[Mapping[str, Any]]) -> list[VatRate]:
    return [_from_json(VatRate, d, "stored VAT rate") for d in documents]
