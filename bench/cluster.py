"""Story clustering on a labelled set of real news: pairwise precision and recall, and the cost.

    .venv/bin/python bench/cluster.py [--data bench/cluster/items.jsonl] [--repeat 5] [--errors]

The labelled set (bench/cluster/items.jsonl, README.md there) holds 262 articles as outlets
publish them, each with the `event` it reports. It was written by an editor who did not
see the algorithm and is committed unchanged, before any tuning (the README's other files,
the editor's sources and hard-negative notes, were not copied: items.jsonl has every label). It is split by event, so
that every copy of one event falls in the same half: events whose number is odd are the
tuning half (the thresholds in bot/digest/cluster.py were chosen on it), even ones the
held-out half (looked at only through these figures).

Pairwise figures: a pair of articles is positive when they report one event, predicted
positive when the clustering put them in one story; precision = true / predicted pairs,
recall = true / positive pairs. Each half is clustered on its own, then all together.

Also printed: `same_story(a, b)` asked of every pair on its own (word rarity from the pair
alone, as a caller comparing one new article with one sent earlier gets it without `among`).

Cost: `cluster()` on 1,000 candidates published within one day (generated text with a
news-like vocabulary, bench/corpus.py, so most pairs share some words as in a real
window: ms per 1,000 candidates), and on the whole labelled set; milliseconds as the median
of `--repeat` runs, for the old algorithm (a frozen copy, bench/cluster_baseline.py) and the
new one in the same run, and their ratio (the machine's speed cancels out).

`--errors` lists the pairs the new algorithm gets wrong, on the tuning half only (the
held-out half is looked at only through its figures). `--sweep NAME=V1,V2` scores values of
a constant of bot/digest/cluster.py on the tuning half, as the thresholds were chosen.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import cluster_baseline  # noqa: E402
from bot.digest import cluster as current  # noqa: E402
from bot.lead import lead_of  # noqa: E402
from bot.models import DigestCandidate  # noqa: E402

DATA = Path(__file__).resolve().parent / "cluster" / "items.jsonl"


class DataError(Exception):
    """The labelled set is missing or malformed."""


@dataclass(frozen=True)
class Labelled:
    candidate: DigestCandidate
    event: str


def _when(value) -> datetime:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def load(path: Path) -> list[Labelled]:
    """The labelled articles, as the digest would see them (a DigestCandidate each)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            summary = row.get("summary") or row.get("lead") or ""
            when = _when(row["published"])
            cand = DigestCandidate(
                article_id=n,
                url=row.get("url") or f"https://labelled.example/{n}",
                title=row["title"],
                summary=summary,
                source=row.get("source") or "",
                published=when,
                fetched=when,
                watchlists=("labelled",),
                score=1.0,
                lead=row.get("lead") or lead_of(summary),
            )
            out.append(Labelled(cand, str(row["event"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{path}:{n}: bad item ({exc})") from None
    if not out:
        raise DataError(f"{path}: no items")
    return out


def event_number(event: str) -> int:
    """The number in an event id ("e017" → 17); ids without one get a stable hash."""
    m = re.search(r"(\d+)\D*$", event)
    return int(m.group(1)) if m else zlib.crc32(event.encode())


def halves(items: list[Labelled]) -> dict[str, list[Labelled]]:
    return {
        "tuning (odd events)": [i for i in items if event_number(i.event) % 2 == 1],
        "held-out (even events)": [i for i in items if event_number(i.event) % 2 == 0],
        "all": items,
    }


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    true: int
    predicted: int
    positive: int

    def __str__(self) -> str:
        return (f"precision {self.precision:.3f} ({self.true}/{self.predicted})  "
                f"recall {self.recall:.3f} ({self.true}/{self.positive})")


def predicted_pairs(cluster_fn, items: list[Labelled]) -> set[tuple[int, int]]:
    pairs = set()
    for story in cluster_fn([i.candidate for i in items]):
        ids = sorted(story.article_ids)
        pairs.update(combinations(ids, 2))
    return pairs


def pairwise(cluster_fn, items: list[Labelled]) -> tuple[Score, set, set]:
    truth = {
        (a.candidate.article_id, b.candidate.article_id)
        for a, b in combinations(sorted(items, key=lambda i: i.candidate.article_id), 2)
        if a.event == b.event
    }
    pred = predicted_pairs(cluster_fn, items)
    true = len(truth & pred)
    score = Score(
        precision=true / len(pred) if pred else 1.0,
        recall=true / len(truth) if truth else 1.0,
        true=true, predicted=len(pred), positive=len(truth),
    )
    return score, pred - truth, truth - pred


def alone(items: list[Labelled]) -> Score:
    """`same_story(a, b)` asked of each pair by itself, as a caller comparing one new article
    with one sent earlier would: word rarity then comes from the pair alone."""
    feats = {i.candidate.article_id: current._features(i.candidate) for i in items}
    true = predicted = positive = 0
    for a, b in combinations(items, 2):
        same = a.event == b.event
        said = current.same_story(a.candidate, b.candidate, feats[a.candidate.article_id],
                                  feats[b.candidate.article_id])
        positive += same
        predicted += said
        true += same and said
    return Score(true / predicted if predicted else 1.0, true / positive if positive else 1.0,
                 true, predicted, positive)


def timing_candidates(n: int = 1000) -> list[DigestCandidate]:
    """`n` generated articles published within one day: every pair inside the time window."""
    from bench import corpus

    t0 = datetime(2025, 3, 1, 6, 0, tzinfo=timezone.utc)
    out = []
    for i, (_key, url, title, summary, source, _pub) in enumerate(corpus.article_rows(0, n)):
        when = t0 - timedelta(seconds=i * 86400 // n)
        out.append(DigestCandidate(i + 1, url, title, summary, source, when, when, ("bench",), 1.0,
                                   lead=lead_of(summary)))
    return out


def median_ms(fn, arg, repeat: int) -> float:
    fn(arg)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(arg)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def sweep(items: list[Labelled], specs: list[str]) -> int:
    """Every combination of the given constants' values, scored on the tuning half only."""
    import itertools

    tuning = halves(items)["tuning (odd events)"]
    names, values = [], []
    for spec in specs:
        name, _, vals = spec.partition("=")
        if not hasattr(current, name) or not vals:
            print(f"bench/cluster.py: --sweep {spec}: not NAME=V1,V2 of a constant in bot/digest/cluster.py",
                  file=sys.stderr)
            return 2
        names.append(name)
        values.append([type(getattr(current, name))(v) for v in vals.split(",")])
    saved = {n: getattr(current, n) for n in names}
    try:
        for combo in itertools.product(*values):
            for n, v in zip(names, combo):
                setattr(current, n, v)
            score, _, _ = pairwise(current.cluster, tuning)
            print("  ".join(f"{n}={v}" for n, v in zip(names, combo)), f"  {score}")
    finally:
        for n, v in saved.items():
            setattr(current, n, v)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--errors", action="store_true", help="list the new algorithm's wrong pairs (tuning half)")
    ap.add_argument("--sweep", metavar="NAME=V1,V2,…", action="append", default=[],
                    help="tuning half only: P/R for each value of a constant of bot/digest/cluster.py")
    args = ap.parse_args(argv)
    try:
        items = load(args.data)
    except DataError as exc:
        print(f"bench/cluster.py: {exc}", file=sys.stderr)
        return 2
    if args.sweep:
        return sweep(items, args.sweep)
    by_id = {i.candidate.article_id: i for i in items}
    events = {i.event for i in items}
    print(f"{len(items)} labelled articles, {len(events)} events ({args.data})")
    for name, part in halves(items).items():
        n_events = len({i.event for i in part})
        print(f"\n{name}: {len(part)} articles, {n_events} events")
        for label, fn in (("old", cluster_baseline.cluster), ("new", current.cluster)):
            score, _, _ = pairwise(fn, part)
            print(f"  {label}: {score}")
        print(f"  new, same_story on each pair alone (no clustering, no `among`): {alone(part)}")
        if args.errors and name.startswith("tuning"):
            _, false_pos, false_neg = pairwise(current.cluster, part)
            for kind, pairs in (("merged, different events", false_pos), ("apart, one event", false_neg)):
                print(f"  -- {kind}: {len(pairs)}")
                for a, b in sorted(pairs):
                    ca, cb = by_id[a], by_id[b]
                    hours = abs(ca.candidate.published - cb.candidate.published).total_seconds() / 3600
                    print(f"     [{ca.event}] {ca.candidate.source}: {ca.candidate.title}")
                    print(f"     [{cb.event}] {cb.candidate.source}: {cb.candidate.title}  ({hours:.0f} h apart)")

    print("\ncost (median of %d runs)" % args.repeat)
    for label, cands in (("1,000 generated candidates in one day", timing_candidates()),
                         (f"the labelled set ({len(items)} articles over 17 days)", [i.candidate for i in items])):
        old = median_ms(cluster_baseline.cluster, cands, args.repeat)
        new = median_ms(current.cluster, cands, args.repeat)
        print(f"  {label}: old {old:.0f} ms, new {new:.0f} ms, new/old {new / old:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
