"""The printers more than one command uses (fetch and demo, search and watch test), and
the progress bars on stderr. Feed text reaches the terminal only through `shown`."""

from __future__ import annotations

import json
import sys

from bot.mrkdwn import strip_invisible as shown
from bot.store import shown_total


def bar(done: int, total: int, width: int = 30) -> str:
    """`[#####-----]`: the one drawing of a progress bar (fetch's feeds, db copy's tables)."""
    filled = int(width * done / total) if total else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"


class Progress:
    """A one-line progress bar on a terminal; plain lines when output is piped."""

    def __init__(self, total: int, stream=None):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def update(self, label: str) -> None:
        """One more done. Not whether it failed: the report after the bar says that, once."""
        self.done += 1
        if self.tty:
            self.stream.write(f"\r{bar(self.done, max(1, self.total))} {self.done}/{self.total} {label[:40]:<40}")
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{self.done}/{self.total} {label}\n")
        self.stream.flush()


def print_poll_report(store, report, out=None) -> None:
    out = out or sys.stdout
    ids = report.new_article_ids
    arts = store.get_articles(ids)
    print(f"{len(ids)} new article(s) from {len(report.outcomes)} feed(s)"
          f" ({report.not_modified} unchanged, {len(report.errors)} failed)", file=out)
    for aid in ids[:50]:
        a = arts.get(aid)
        if a:
            print(shown(f"  + {a['title']}  [{a['source']}]"), file=out)
    if len(ids) > 50:
        print(f"  … and {len(ids) - 50} more", file=out)
    if report.matches:
        print("Matches per watchlist:", file=out)
        for name, n in sorted(report.matches.items()):
            print(f"  {name}: {n}", file=out)
    if report.errors:
        print("Feed errors:", file=out)
        for url, err in report.errors.items():
            print(shown(f"  ! {url}: {err}"), file=out)


def print_hits(result, as_json: bool, out=None, err=None) -> None:
    """A search's hits (or its JSON array). "Did you mean" goes to stderr, in both forms, so
    stdout stays the result (the JSON array of CONTRACT.md) and the exit status is unchanged."""
    from bot.queryfilters import describe

    out = out or sys.stdout
    err = err or sys.stderr
    suggestion = getattr(result, "suggestion", None)
    if suggestion:
        print(shown(f"Did you mean: {suggestion}"), file=err)
    if as_json:
        print(json.dumps([h.as_json() for h in result.hits], ensure_ascii=False, indent=2), file=out)
        return
    if not result.hits:
        narrowed = describe(getattr(result, "filters", {}) or {})
        print(shown(f"No articles match {result.query!r}{' (' + narrowed + ')' if narrowed else ''}."), file=out)
        print("Try fewer or broader words, OR between alternatives, a prefix such as secur*"
              + (", or a wider date range" if narrowed else "") + ".", file=out)
        return
    for n, h in enumerate(result.hits, 1 + result.offset):
        print(shown(f"{n}. {h.title}"), file=out)
        print(shown(f"   {h.source} · {h.published:%Y-%m-%d} · {h.url}"), file=out)
        if h.also:
            print(shown("   also in " + ", ".join(a["source"] for a in h.also)), file=out)
        if h.snippet:
            print(shown(f"   {h.snippet}"), file=out)
    print(f"({len(result.hits)} of {shown_total(result.total)} shown)", file=out)
