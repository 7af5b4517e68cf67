"""A bot killed with SIGKILL must not leave parse worker processes (or their forkserver) behind."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _group(pgid: int) -> list[str]:
    return subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout.split()


def test_parse_workers_die_with_a_killed_bot():
    code = textwrap.dedent(
        """
        import time
        from bot.poll.parsepool import _get_pool
        pool = _get_pool(2)
        print(sum(f.result() for f in [pool.submit(sum, [1, 2]), pool.submit(sum, [3, 4])]), flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "10"
        assert len(_group(proc.pid)) >= 3  # the bot, the forkserver, workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while _group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _group(proc.pid) == []
    finally:
        for pid in _group(proc.pid):
            os.kill(int(pid), signal.SIGKILL)
