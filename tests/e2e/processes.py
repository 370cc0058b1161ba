"""Child processes for the end-to-end tests: started, read line by line, always stopped.

Every wait is bounded and every process is killed when the test ends, pass or fail, so a hung
child cannot hang the suite or outlive it.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

ENV_PREFIXES = ("SF_", "HANDOFF_")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any SF_* or HANDOFF_* variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
    env.pop("SSL_CERT_FILE", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env | extra


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Child:
    """A running child process whose merged output is collected line by line."""

    def __init__(self, args: list[str], env: Mapping[str, str], cwd: Path) -> None:
        self.args = args
        self.process = subprocess.Popen(
            args, env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1, start_new_session=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, predicate: str, timeout: float) -> str:
        """The first line (new or already read) containing `predicate`; fails after `timeout`."""
        for seen in self.lines:
            if predicate in seen:
                return seen
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"{self.args[0]} exited first:\n{self.output}")
            self.lines.append(line)
            if predicate in line:
                return line
        raise AssertionError(f"no line with {predicate!r} in {timeout} s:\n{self.output}")

    def stop(self, sig: int | None = signal.SIGINT, timeout: float = 30.0) -> int:
        """Send `sig` (None: just wait), wait for the exit and drain the output.

        A child that has not exited after `timeout` is killed and the wait fails.
        """
        if sig is not None and self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            self.kill()
        self._reader.join(timeout=5)
        while not self._queue.empty():
            line = self._queue.get_nowait()
            if line is not None:
                self.lines.append(line)
        return code

    def close(self) -> None:
        """Kill if needed and release the pipe."""
        self.kill()
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def kill(self) -> None:
        """Kill the child and everything it started, if still running."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def child(args: list[str], env: Mapping[str, str], cwd: Path) -> Iterator[Child]:
    """A child process that is killed when the block ends, however it ends."""
    started = Child(args, env, cwd)
    try:
        yield started
    finally:
        started.close()


def wait_until_answers(url: str, timeout: float, ok: tuple[int, ...] = (200,)) -> httpx.Response:
    """GET `url` until it answers one of `ok`; fails after `timeout` with the last answer."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code in ok:
                return response
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.TransportError as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {ok} in {timeout} s; last: {last}")
