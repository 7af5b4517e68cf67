"""The CLI in a child process with known secrets in its environment (`run_cli`, at DEBUG), and
the log line format, so a test can show that no secret reaches what the bot prints or logs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BOT_TOKEN = "xoxb-1111111111-2222222222-SeCrEtBoTtOkEnValue"
APP_TOKEN = "xapp-1-A0SECRET-3333333333-SeCrEtApPtOkEn"
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET)
ROOT = Path(__file__).resolve().parents[2]  # the checkout: tests/support/ is two below it
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} level=[A-Z]+ logger=\S+ ")


def run_cli(args: list[str], db: str, slack_url: str, cwd: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(
        AIBRIEF_DATABASE=db, AIBRIEF_ALLOW_PRIVATE_NETWORKS="true", AIBRIEF_LOG_LEVEL="DEBUG",
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_url, PYTHONPATH=str(ROOT),
    )
    proc = subprocess.run([sys.executable, "-m", "bot", "-v", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr
