"""The one error type users see. Every refusal carries a stable code and a one-line message."""

from __future__ import annotations


class TradedError(Exception):
    """A refusal: bad input, a rule that forbids the action, or a thing not found.

    ``code`` is stable for scripts (``--json`` prints it); ``message`` is one
    sentence naming the record, for people.
    """

    code = "refused"

    def __init__(self, message: str, code: str | None = None) -> None:
        from pricing.text import escape_controls  # noqa: PLC0415 - pricing.text raises these errors: a cycle

        # One line, and nothing a user typed reaches a terminal raw: a control
        # character quoted back (a name with ESC in it) is shown escaped, as \x1b.
        message = escape_controls(message)
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(TradedError, ValueError):
    code = "invalid_input"


class NotFound(TradedError):
    code = "not_found"


class RuleViolation(TradedError):
    code = "rule_violation"
