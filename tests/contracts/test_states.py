"""The states records move through (contracts.states): every allowed move, every other one refused."""

from __future__ import annotations

import json
from enum import StrEnum
from itertools import product

import pytest

from contracts.states import (
    TRANSITIONS,
    BankLineStatus,
    BillRunStatus,
    ChargeStatus,
    IllegalTransition,
    InvoiceStatus,
    MailStatus,
    OrderStatus,
    SessionStatus,
    SubscriptionStatus,
    can_move,
    move,
    values,
)
from pricing.errors import RuleViolation

ALLOWED = [(current, target) for moves in TRANSITIONS.values() for current, targets in moves.items()
           for target in sorted(targets)]
REFUSED = [(current, target) for kind, moves in TRANSITIONS.items() for current, target in product(kind, kind)
           if target not in moves[current]]


def test_every_stored_kind_lists_the_moves_from_each_of_its_states() -> None:
    assert set(TRANSITIONS) == {SubscriptionStatus, OrderStatus, SessionStatus, ChargeStatus, BillRunStatus,
                                BankLineStatus, MailStatus}
    for kind, moves in TRANSITIONS.items():
        assert set(moves) == set(kind), kind.__name__
        assert all(isinstance(target, kind) for targets in moves.values() for target in targets)


@pytest.mark.parametrize(("current", "target"), ALLOWED, ids=lambda s: str(s))
def test_an_allowed_move_returns_its_target(current: StrEnum, target: StrEnum) -> None:
    assert move(current, target, "record 1") is target
    assert move(current.value, target, "record 1") is target  # the plain word read from the database
    assert can_move(current, target)


@pytest.mark.parametrize(("current", "target"), REFUSED, ids=lambda s: str(s))
def test_every_other_move_is_refused_in_one_line(current: StrEnum, target: StrEnum) -> None:
    with pytest.raises(IllegalTransition) as refused:
        move(current.value, target, "record 1")
    assert str(refused.value) == f"record 1 is {current.value} and cannot become {target.value}"
    assert not can_move(current, target)


@pytest.mark.parametrize(("current", "target", "message"), [
    (ChargeStatus.WAIVED, ChargeStatus.WITHDRAWN, "charge 7 is waived and cannot become withdrawn"),
    (ChargeStatus.WITHDRAWN, ChargeStatus.WAIVED, "charge 7 is withdrawn and cannot become waived"),
    (SubscriptionStatus.CANCELLED, SubscriptionStatus.CANCELLED, "charge 7 is cancelled and cannot become cancelled"),
    (BillRunStatus.DONE, BillRunStatus.INTERRUPTED, "charge 7 is done and cannot become interrupted"),
    (BankLineStatus.MATCHED, BankLineStatus.REJECTED, "charge 7 is matched and cannot become rejected"),
    (SessionStatus.DROPPED, SessionStatus.DELIVERED, "charge 7 is dropped and cannot become delivered"),
    (OrderStatus.CANCELLED, OrderStatus.OPEN, "charge 7 is cancelled and cannot become open"),
])
def test_illegal_moves_are_rule_violations_named_illegal_transition(
    current: StrEnum, target: StrEnum, message: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        move(current, target, "charge 7")
    assert isinstance(refused.value, IllegalTransition)
    assert refused.value.code == "illegal_transition"
    assert str(refused.value) == message
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("stored", ["ignored", "DUE", "", " due"])
def test_an_unknown_stored_word_is_refused(stored: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        move(stored, ChargeStatus.WITHDRAWN, "charge 7")
    assert str(refused.value) == f"charge 7 has an unknown status {stored!r}"


def test_the_real_moves_of_bank_lines() -> None:
    """A rejected line may be matched by hand; nothing takes a matched line back onto the worklist."""
    assert can_move(BankLineStatus.REJECTED, BankLineStatus.MATCHED)
    assert can_move(BankLineStatus.FUTURE, BankLineStatus.UNMATCHED)
    assert not can_move(BankLineStatus.UNMATCHED, BankLineStatus.FUTURE)  # a line is stored future, never made it
    assert not can_move(BankLineStatus.MATCHED, BankLineStatus.UNMATCHED)
    assert not can_move(BankLineStatus.REJECTED, BankLineStatus.UNMATCHED)


def test_states_print_and_serialise_as_their_plain_words() -> None:
    kinds: list[type[StrEnum]] = [*TRANSITIONS, InvoiceStatus]
    for kind in kinds:
        for state in kind:
            assert state == state.value
            assert str(state) == f"{state}" == format(state, "") == state.value
            assert json.dumps({"status": state}) == json.dumps({"status": state.value})


def test_values_are_the_stored_words_in_declaration_order() -> None:
    assert values(ChargeStatus) == ("due", "withdrawn", "waived")
    assert values(BankLineStatus) == ("matched", "unmatched", "future", "rejected")
    assert values(SessionStatus) == ("scheduled", "delivered", "moved", "dropped", "deemed_delivered")
    assert values(InvoiceStatus) == ("issued", "paid", "overdue", "credited", "written_off",
                                     "settled_by_journal")
