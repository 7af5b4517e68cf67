"""An installed aibrief (a wheel, not the source checkout) renders digests with its own
templates: digests/*.j2 travel inside the wheel, and a folder without digests/ still gets
the daily layout rather than "no such template; using the built-in layout".

The wheel is built offline (no build isolation: the running venv's setuptools) and
installed without dependencies into a fresh venv that sees this venv's site-packages for
them, so nothing is downloaded.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, f"{cmd[:3]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """bin/ of a fresh venv with the wheel built from this checkout installed in it."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # the files git keeps (tracked or not ignored): what a fresh clone holds
    src.mkdir()
    files = _run(["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]).stdout.split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_bytes((REPO / name).read_bytes())
    wheels = tmp / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
          "--no-index", "-w", str(wheels), str(src)])
    (wheel,) = wheels.glob("aibrief-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    purelib = _run([str(env_dir / "bin" / "python"), "-c",
                    "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    # The dependencies come from this venv's site-packages (a path line, so its own .pth
    # files, among them an editable aibrief, are not read).
    Path(purelib, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "-q",
          "--no-deps", "--no-index", str(wheel)])
    return wheel, env_dir / "bin"


def test_the_wheel_carries_the_templates(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (REPO / "digests").glob("*.j2")}
    assert shipped >= {"daily.j2", "compact.j2"}
    assert {f"bot/digest/templates/{n}" for n in shipped} <= names


def test_an_installed_demo_renders_with_daily_j2_from_another_folder(installed, tmp_path):
    _, bin_dir = installed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIBRIEF_", "SLACK_", "PYTHON"))}
    where = _run([str(bin_dir / "python"), "-c", "import bot; print(bot.__file__)"], cwd=tmp_path, env=env)
    assert where.stdout.strip().startswith(str(bin_dir.parent)), where.stdout  # not the checkout
    proc = _run([str(bin_dir / "aibrief"), "demo"], cwd=tmp_path, env=env)
    assert not (tmp_path / "digests").exists()
    assert "Digest preview" in proc.stdout
    assert "template problems" not in proc.stdout + proc.stderr
    assert "no such template" not in proc.stdout + proc.stderr
