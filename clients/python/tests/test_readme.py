"""Runs every ```python block of README.md against the real keyward binary, so a README that
drifts from the package fails the tests. Each block runs as its own script (this interpreter,
clients/python on PYTHONPATH) with KEYWARD_URL, KEYWARD_ADMIN_KEY and KEYWARD_API_KEY (a secret
key of a fresh account) in its environment and must exit 0; every ``print(...)  # NNN text`` line
must print a line starting with NNN text (an ``…`` matches anything; "NNN: words" documents the
status only). A block preceded by ``<!-- requires: METHOD /path, ... -->`` runs only when the
binary serves those endpoints (part-two endpoints still landing); otherwise it is skipped."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from keyward import Keyward

from .harness import KeywardServer

PACKAGE = Path(__file__).resolve().parents[1]
README = (PACKAGE / "README.md").read_text()
BLOCK = re.compile(r"(?:<!--\s*requires:\s*([^>]*?)\s*-->\s*\n)?```python\n(.*?)```", re.S)
EXPECT = re.compile(r"^\s*print\(.*\)\s*#\s*(\d{3})([^\n]*)$", re.M)


def python_blocks(markdown: str) -> list[dict]:
    out = []
    for m in BLOCK.finditer(markdown):
        requires = [r.strip() for r in (m.group(1) or "").split(",") if r.strip()]
        out.append({"code": m.group(2), "line": markdown[: m.start()].count("\n") + 1,
                    "requires": requires})
    return out


def expectations(code: str) -> list[re.Pattern]:
    out = []
    for m in EXPECT.finditer(code):
        text = m.group(1) if m.group(2).startswith(":") else (m.group(1) + m.group(2)).strip()
        out.append(re.compile("^" + ".*".join(re.escape(p) for p in text.split("…"))))
    return out


server: KeywardServer
env: dict


def setUpModule() -> None:
    global server, env
    server = KeywardServer().start()
    with Keyward(server.url, api_key=server.admin_key) as admin:
        acct = admin.accounts.create(email="py-readme@example.com")
        key = admin.tokens.create(name="readme", for_account=acct["id"])
    env = {**os.environ, "KEYWARD_URL": server.url, "KEYWARD_ADMIN_KEY": server.admin_key,
           "KEYWARD_API_KEY": key["key"], "PYTHONPATH": str(PACKAGE)}


def tearDownModule() -> None:
    server.close()


class ReadmeTest(unittest.TestCase):
    def test_examples(self) -> None:
        blocks = python_blocks(README)
        self.assertGreaterEqual(len(blocks), 7)
        for i, block in enumerate(blocks, 1):
            with self.subTest(example=i, line=block["line"]):
                missing = [r for r in block["requires"] if not server.serves(*r.split())]
                if missing:
                    self.skipTest(f"this keyward does not serve {', '.join(missing)} yet")
                with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
                    f.write(block["code"])
                try:
                    r = subprocess.run([sys.executable, f.name], env=env, capture_output=True,
                                       text=True, timeout=60)
                finally:
                    os.unlink(f.name)
                self.assertEqual(r.returncode, 0,
                                 f"README line {block['line']}:\n{r.stdout}{r.stderr}")
                lines = r.stdout.splitlines()
                for want in expectations(block["code"]):
                    self.assertTrue(any(want.match(ln) for ln in lines),
                                    f"README line {block['line']} should print {want.pattern}; "
                                    f"printed:\n{r.stdout}")


if __name__ == "__main__":
    unittest.main()
