"""The CLI in-process: `env` (a fixture: a fresh working folder and database, no SLACK_ or
AIBRIEF_ variables from the caller's shell) and `run` (main() with the output it printed)."""

import os

import pytest

from bot.cli import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith(("SLACK_", "AIBRIEF_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AIBRIEF_DATABASE", str(tmp_path / "db.sqlite"))
    monkeypatch.setenv("AIBRIEF_ALLOW_PRIVATE_NETWORKS", "true")
    return tmp_path


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
