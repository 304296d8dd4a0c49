"""Sending the outbox in the background of `traded serve` (issue 17).

A daemon thread calls :func:`billing.mail_delivery.send_queued` at an interval,
so documents queued by bill runs, credit notes and reminders leave without
anyone running `traded mail send`. Each round is the same as that command
(one sender at a time, each message at most once); a round that finds another
sender running skips quietly, and any other failure is logged and the next
round tries again: the server it runs in never stops because mail could not be
sent.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from billing.mail_delivery import SenderRunning, SendReport, SmtpSettings, send_queued
from pricing.clock import Clock

if TYPE_CHECKING:
    from billing.gateway.pay_page import PayPage

log = logging.getLogger("traded.mail")

DEFAULT_INTERVAL_S = 60
"""Seconds between two rounds of sending when `traded serve --mail-every` does not say."""


class BackgroundSender:
    """Sends what is queued every ``interval`` seconds (the first round at once) until :meth:`stop`."""

    def __init__(self, engine: Engine, smtp: SmtpSettings, clock: Clock, actor: str, interval: float,
                 pay_page: PayPage | None = None) -> None:
        if interval <= 0:
            raise ValueError("the mail interval must be a positive number of seconds")
        self.engine, self.smtp, self.clock, self.actor = engine, smtp, clock, actor
        self.interval, self.pay_page = interval, pay_page
        self.rounds = 0
        """Rounds finished, whatever they did (tests wait on it)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="traded-mail-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to end and wait for the round in progress (at most ``timeout`` seconds)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def send_once(self) -> SendReport | None:
        """One round: the report, or None when it could not run (another sender, or a failure logged)."""
        try:
            report = send_queued(self.engine, self.smtp, self.clock, self.actor, pay_page=self.pay_page)
        except SenderRunning:
            return None  # `traded mail send` is at it: it sends everything due
        except Exception:
            log.exception("sending queued mail failed; trying again in %s seconds", self.interval)
            return None
        if report.sent or report.failed or report.retrying or report.uncertain:
            log.info("mail: %d sent, %d failed, %d to retry, %d uncertain", len(report.sent), len(report.failed),
                     len(report.retrying), len(report.uncertain))
        if report.server_error is not None:
            log.warning("mail server unreachable, messages stay queued: %s", report.server_error)
        return report

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.send_once()
            self.rounds += 1
            self._stop.wait(self.interval)
