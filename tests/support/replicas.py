"""A real `python -m bot run` in a child process on a free loopback port (`Replica`: its
/healthz, its log, how many polls it ran, stopping it with a signal), and `wait_until`, which
polls a probe until it returns something true or the time is up."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.net import free_loopback_port


class Replica:
    def __init__(self, name: str, env: dict, cwd: Path):
        self.name = name
        self.port = free_loopback_port()
        self.log_path = cwd / f"{name}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=cwd, env={**env, "PORT": str(self.port)},
            stdout=self._log, stderr=subprocess.STDOUT,
        )

    def health(self) -> dict | None:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).json()
        except (httpx.HTTPError, ValueError):
            return None

    def leads(self) -> bool:
        h = self.health()
        return bool(h and h.get("leader"))

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def polls(self) -> int:
        return len(re.findall(r"poll done new=", self.log()))

    def stop(self, sig=signal.SIGTERM) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        return self.proc.returncode


def wait_until(probe, timeout: float, what: str, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
