"""The bundled sample feeds (bot/data/samples/), for `aibrief demo` and tests.

They are real RSS/Atom files listed in `samples.opml` by file name, so the demo runs
exactly the parse → normalize path a live poll does, only without the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.feeds.opml import read_opml

SAMPLE_HOST = "https://samples.aibrief.invalid/"  # .invalid never resolves: these URLs only name the files


@dataclass(frozen=True)
class SampleFeed:
    name: str  # file name inside bot/data/samples/, e.g. "dawn.xml"
    title: str  # the title samples.opml gives it
    url: str  # a stable, never-resolvable feed URL to store it under
    content: bytes

    @property
    def headers(self) -> dict[str, str]:
        # No charset: each file's XML declaration names its own encoding (one is windows-1252).
        kind = "application/atom+xml" if b"<feed" in self.content[:2048] else "application/rss+xml"
        return {"content-type": kind}


def samples_dir() -> Path:
    """The folder of the sample files (`aibrief demo` serves it on loopback)."""
    return Path(str(resources.files("bot").joinpath("data/samples")))


def sample_feeds() -> list[SampleFeed]:
    """Every sample feed listed in samples.opml, in that order."""
    folder = samples_dir()
    listed = read_opml((folder / "samples.opml").read_bytes(), allow_relative=True)
    feeds = []
    for name, title in listed:
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"samples.opml lists {name!r}, which is not a plain file name")
        feeds.append(SampleFeed(name=name, title=title, url=SAMPLE_HOST + name, content=(folder / name).read_bytes()))
    return feeds
