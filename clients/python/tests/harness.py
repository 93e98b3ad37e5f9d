"""Starts the REAL keyward binary for the client tests, as tests/integration/harness does.

A temporary data dir, ``keyward admin-key create`` for the first admin key, ``keyward serve`` on a
free loopback port, ready once GET /healthz answers 200. The binary is $KEYWARD_BINARY, else
build/release/keyward of this repository. ``close()`` stops it (SIGTERM, then SIGKILL) and
removes the dir; an atexit hook kills it if a test run dies first.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]

TEST_CONFIG = """
[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"
cost = 1
rate_limit = "3/hour"
"""


def keyward_binary() -> str:
    binary = os.environ.get("KEYWARD_BINARY") or str(REPO_ROOT / "build/release/keyward")
    if not os.path.exists(binary):
        raise RuntimeError(f"keyward binary not found at {binary}: build it or set KEYWARD_BINARY")
    return binary


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KEYWARD_")}


class KeywardServer:
    def __init__(self, config: str | None = TEST_CONFIG) -> None:
        self.binary = keyward_binary()
        self.dir = tempfile.mkdtemp(prefix="keyward-py-")
        self.config_path: str | None = None
        if config:
            self.config_path = os.path.join(self.dir, "keyward.toml")
            Path(self.config_path).write_text(config)
        self.proc: subprocess.Popen | None = None
        self.admin_key = ""
        self.port = 0
        self.url = ""
        atexit.register(self._kill)

    def store_args(self) -> list[str]:
        args = ["--data-dir", self.dir]
        if self.config_path:
            args += ["--config", self.config_path]
        return args

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([self.binary, *args], cwd=self.dir, env=_child_env(),
                              capture_output=True, text=True, timeout=60)

    def start(self) -> "KeywardServer":
        if not self.admin_key:
            r = self.cli("admin-key", "create", *self.store_args())
            keys = [ln.strip() for ln in r.stdout.splitlines() if ln.strip().startswith("ak_")]
            if r.returncode != 0 or not keys:
                raise RuntimeError(f"keyward admin-key create failed: {r.stdout} {r.stderr}")
            self.admin_key = keys[0]
        last = ""
        for _ in range(3):
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            log = open(os.path.join(self.dir, "keyward.log"), "ab")
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", *self.store_args()],
                cwd=self.dir, env=_child_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            log.close()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last = f"exited with {self.proc.returncode}"
                    break
                try:
                    with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:
                        if r.status == 200:
                            return self
                except (OSError, urllib.error.URLError) as e:
                    last = str(e)
                time.sleep(0.025)  # readiness polling
            self._kill()
        raise RuntimeError(f"keyward did not become ready: {last}\n{self.log_tail()}")

    def log_tail(self, n: int = 4000) -> str:
        try:
            return Path(self.dir, "keyward.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._kill()
        self.proc = None
        if os.environ.get("KEYWARD_IT_KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    def serves(self, method: str, path: str) -> bool:
        """Does this keyward serve ``method path``? (False for its "No such path." 404/405.)"""
        req = urllib.request.Request(
            self.url + path, method=method, data=b"{}" if method == "POST" else None,
            headers={"Authorization": f"Bearer {self.admin_key}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10):
                return True
        except urllib.error.HTTPError as e:
            if e.code not in (404, 405):
                return True
            try:
                message = json.loads(e.read())["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = ""
            return e.code == 404 and "path" not in message.lower()
