"""Composing outgoing mail ahead of `traded mail send`, in worker processes (issue 17).

Rendering an invoice's PDF costs several times what it costs to claim, hand
over and record its message, so a sender with many messages starts a couple of
worker processes (:func:`main`) that render and compose
the next messages while it sends the current one. A worker only turns a
:class:`ComposeJob` (the stored message and its documents, read by the sender)
into the message's bytes: it never touches the database or the mail server,
so claiming, sending and recording stay in the one sender holding the lease.

A worker stops when its input closes: when the sender finishes, or dies (even
by SIGKILL), so no worker outlives it. Workers are started afresh, not forked,
so they hold none of the sender's descriptors (its lease among them).
"""

from __future__ import annotations

import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from billing.mail_mime import Prepared, prepare_message
from invoices.documents import Document
from invoices.pdf import render_document

Renderer = Callable[[Document], bytes]
_LENGTH = struct.Struct(">I")
_ROOT = Path(__file__).resolve().parent.parent  # the folder holding the billing package, for the workers' imports
# Imported, not run as __main__, so that the jobs it unpickles are this module's classes.
# The worker finds this checkout's packages first, as the sender did, whatever the caller's PYTHONPATH;
# it inherits the sender's environment unread (settings are read by the sender alone: billing.settings).
_START = f"import sys; sys.path.insert(0, {str(_ROOT)!r}); from billing.mail_workers import main; main()"


@dataclass(frozen=True)
class ComposeJob:
    """Everything a message's bytes are made from, read from the outbox and the ledger by the sender."""

    sender: str
    reply_to: str | None
    recipients: tuple[str, ...]
    subject: str
    text: str
    html: str
    message_id: str
    documents: tuple[tuple[str, Document], ...]
    """Attached invoices and credit notes: file name and the document, rendered as `traded invoice pdf` does."""
    stored: tuple[tuple[str, bytes], ...] = ()
    """Attached PDFs kept as made (a reminder letter, a statement)."""


def compose(job: ComposeJob, render: Renderer = render_document) -> Prepared:
    """The message's bytes, all but its Date: the documents rendered, then any stored PDF, attached in order."""
    attachments = [(name, render(document)) for name, document in job.documents] + list(job.stored)
    return prepare_message(sender_header=job.sender, reply_to=job.reply_to, recipients=list(job.recipients),
                           subject=job.subject, text=job.text, html=job.html, message_id=job.message_id,
                           attachments=attachments)


@dataclass(frozen=True)
class _Failed:
    trace: str


class WorkerFailed(RuntimeError):
    """A worker could not compose a message, or stopped: the sender stops before claiming it."""


# --- frames: a length, then a pickle, between the sender and the workers it started ----------

def _write(stream: IO[bytes], value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> object | None:
    """The next value, or None when the other side has closed."""
    size = stream.read(_LENGTH.size)
    if len(size) < _LENGTH.size:
        return None
    data = stream.read(_LENGTH.unpack(size)[0])
    value: object = pickle.loads(data)  # noqa: S301 - frames come only from the process at the other end of our own pipe
    return value


# --- the sender's side ----------------------------------------------------------------------

class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", _START], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE)
        self.jobs: queue.SimpleQueue[ComposeJob | None] = queue.SimpleQueue()
        self.results: queue.SimpleQueue[object] = queue.SimpleQueue()
        # Threads move the frames so that neither side ever waits on a full pipe while the other waits on it.
        self.threads = [threading.Thread(target=self._feed, daemon=True, name="mail-worker-feed"),
                        threading.Thread(target=self._drain, daemon=True, name="mail-worker-drain")]
        for thread in self.threads:
            thread.start()

    def _feed(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            while (job := self.jobs.get()) is not None:
                _write(stdin, job)
        except OSError:
            pass  # the worker is gone: _drain reports it
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def _drain(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while (result := _read(stdout)) is not None:
                self.results.put(result)
        finally:
            self.results.put(_Failed("the worker stopped"))


class ComposePool:
    """``size`` workers composing messages in the order they are submitted; :meth:`take` returns them in that order."""

    def __init__(self, size: int) -> None:
        self._workers: list[_Worker] = []
        self._submitted = self._taken = 0
        try:
            for _ in range(size):
                self._workers.append(_Worker())
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    @property
    def waiting(self) -> int:
        """Messages submitted and not yet taken."""
        return self._submitted - self._taken

    def submit(self, job: ComposeJob) -> None:
        self._workers[self._submitted % len(self._workers)].jobs.put(job)
        self._submitted += 1

    def take(self) -> Prepared:
        """The next message in submission order, waiting for it if need be (WorkerFailed if it cannot be made)."""
        if self._taken >= self._submitted:
            raise WorkerFailed("no message is being composed")
        result = self._workers[self._taken % len(self._workers)].results.get()
        self._taken += 1
        if isinstance(result, _Failed):
            raise WorkerFailed(f"a mail worker could not compose a message: {result.trace}")
        assert isinstance(result, Prepared)
        return result

    def close(self) -> None:
        """Close every worker's input (each then stops) and wait for them."""
        for worker in self._workers:
            worker.jobs.put(None)
        for worker in self._workers:
            try:
                worker.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            if worker.process.stdout is not None:
                worker.process.stdout.close()
        self._workers = []


# --- the worker's side ----------------------------------------------------------------------

def main() -> None:
    """Compose each job read from stdin and write the result to stdout, until stdin closes."""
    jobs, results = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the frames
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the sender, and this worker with it (input closes)
    while (job := _read(jobs)) is not None:
        assert isinstance(job, ComposeJob)
        result: object
        try:
            result = compose(job)
        except Exception:  # noqa: BLE001 - handed to the sender, which stops and shows it
            result = _Failed(traceback.format_exc())
        try:
            _write(results, result)
        except BrokenPipeError:
            return  # the sender has gone
