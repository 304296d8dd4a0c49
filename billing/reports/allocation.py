"""Sharing an amount of money over weights to the penny: the rule lives in pricing.shares."""

from pricing.shares import largest_remainder

__all__ = ["largest_remainder"]
