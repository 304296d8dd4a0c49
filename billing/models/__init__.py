"""The database schema. Alembic migrations in billing/migrations follow these models."""

from billing.models.agreements import (
    Case,
    Charge,
    CouncilSettings,
    Order,
    PriceBookVersion,
    Session,
    Subscription,
)
from billing.models.base import Base
from billing.models.budgets import BudgetLine, Cost
from billing.models.documents import BillRun, Invoice, InvoiceLine, NumberSequence
from billing.models.establishment import FundingBudget, Post, PostAssignment, PostFunding
from billing.models.gateway import GatewayCustomer, GatewayEvent
from billing.models.gl import GlBatch, GlBatchEvent, GlBatchLine
from billing.models.ledger import LedgerSetting
from billing.models.mail import MailMessage
from billing.models.payments import (
    Allocation,
    AllocationRelease,
    BankLine,
    InterestReduction,
    Payment,
    Refund,
    Reminder,
)
from billing.models.portal import PortalLink, PortalSession, PortalSignIn, PortalToken, PortalUser
from billing.models.schools import AuditEntry, School, SchoolContact, Staff, StaffRate

__all__ = [
    "Allocation", "AllocationRelease", "AuditEntry", "BankLine", "Base", "BillRun", "BudgetLine", "Case", "Charge",
    "Cost", "CouncilSettings", "GatewayCustomer", "GatewayEvent", "InterestReduction", "Invoice", "InvoiceLine",
    "LedgerSetting", "MailMessage", "NumberSequence", "Order", "Payment", "PriceBookVersion", "Refund", "Reminder", "School", "SchoolContact",
    "Session", "Staff", "StaffRate", "Subscription",
    "PortalLink", "PortalSession", "PortalSignIn", "PortalToken", "PortalUser",
    "FundingBudget", "Post", "PostAssignment", "PostFunding",
    "GlBatch", "GlBatchEvent", "GlBatchLine",
]
