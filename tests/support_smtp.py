"""A real SMTP server on 127.0.0.1 for mail tests and the mail benchmark (aiosmtpd), recording what arrives."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Arrival:
    mail_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def pdfs(self) -> dict[str, bytes]:
        """Each attached file by name, decoded."""
        found: dict[str, bytes] = {}
        for part in self.message.iter_attachments():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[str(part.get_filename())] = payload
        return found


@dataclass
class Recorder:
    """An aiosmtpd handler keeping every message accepted; answers can be set per address or for the data."""

    arrivals: list[Arrival] = field(default_factory=list)
    rcpt_answers: dict[str, str] = field(default_factory=dict)
    data_answer: str = "250 2.0.0 Ok: queued"
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        answer = self.rcpt_answers.get(address)
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        answer = self.data_answer
        if answer.startswith("250"):
            content = envelope.original_content or b""
            with self.lock:
                self.arrivals.append(Arrival(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(content)))
        return answer

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(a.message["Message-ID"]) for a in self.arrivals]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Accept:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (self.user,
                                                                                                  self.password)
        return AuthResult(success=ok)


@contextmanager
def smtp_server(recorder: Recorder | None = None, login: tuple[str, str] | None = None
                ) -> Iterator[tuple[Recorder, int]]:
    """A running server on a free port of 127.0.0.1: (its recorder, its port)."""
    recorder = recorder or Recorder()
    port = free_port()
    extra: dict[str, Any] = {}
    if login is not None:
        extra = {"authenticator": _Accept(*login), "auth_required": True, "auth_require_tls": False}
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **extra)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()
