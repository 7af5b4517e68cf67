"""Precision and recall of the default watchlists on the labelled set in bench/relevance/.

    .venv/bin/python bench/relevance.py                      # SQLite, the tuning set, every split
    .venv/bin/python bench/relevance.py --set check          # the check set, never tuned on
    .venv/bin/python bench/relevance.py --errors tune        # list what the tuning split gets wrong
    .venv/bin/python bench/relevance.py --database postgresql://…/db   # the same on PostgreSQL
    .venv/bin/python bench/relevance.py --check              # with and without the model's relevance check

The set: items.jsonl holds news items as feeds give them (title, lead, sometimes more body),
written to be realistic for the feeds a security team reads, with many near misses (AI with an
unrelated "law"; security news with AI in passing; AI news without a security angle). Two
editors labelled every item by the editorial brief, independently and before any query was
tuned (labels_a.jsonl, labels_b.jsonl); a third decided where they differed
(adjudicated.jsonl); labels.jsonl is the result. Items whose number is a multiple of 4 are the
held-out split: queries are tuned on the rest and checked on those.

The check set (check_*.jsonl) was written afterwards by another writer, in the style feeds
really have (bylines, roundups, podcast titles, preprint abstracts, changelogs), and labelled
the same way; nothing was tuned on it.

The articles go through the real store and matching path (insert → watchlist match), as a
poll stores them. For comparison the run also scores the previous defaults the way they used
to match (anywhere in the text).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.explain import matched_terms  # noqa: E402
from bot.lead import lead_of  # noqa: E402
from bot.models import Article  # noqa: E402
from bot.query import parse, parse_watchlist  # noqa: E402
from bot.query import WATCHLIST_MAX_LENGTH, WATCHLIST_MAX_TERMS  # noqa: E402
from bot.store import open_store  # noqa: E402
from bot.watchlists import DEFAULT_WATCHLISTS, PREVIOUS_DEFAULTS, seed_default_watchlists  # noqa: E402

HERE = Path(__file__).resolve().parent / "relevance"
HEADINGS = ("ai-security", "ai-policy", "prompt-injection")
TARGETS = {"ai-security": (0.9, 0.8), "ai-policy": (0.9, 0.8)}


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line.strip()]


# Two sets: "tuning" (items.jsonl; queries were tuned on its tune split) and "check"
# (check_items.jsonl: written and labelled later by other people, never tuned on).
SETS = {"tuning": ("",), "check": ("check_",), "both": ("", "check_")}


def final_labels(prefix: str = "") -> dict[str, dict]:
    """<prefix>labels.jsonl when present; else the two editors' labels where they agree plus
    the adjudicated decisions (how the labels file is made: `--write-labels`)."""
    path = HERE / f"{prefix}labels.jsonl"
    if path.exists():
        return {d["id"]: d for d in load(path.name)}
    a = {d["id"]: d for d in load(f"{prefix}labels_a.jsonl")}
    b = {d["id"]: d for d in load(f"{prefix}labels_b.jsonl")}
    adjudicated = HERE / f"{prefix}adjudicated.jsonl"
    decided = {d["id"]: d for d in load(adjudicated.name)} if adjudicated.exists() else {}
    out = {}
    for i, la in a.items():
        row = {"id": i}
        for h in HEADINGS:
            if la[h] == b[i][h]:
                row[h] = la[h]
            elif h in decided.get(i, {}):
                row[h] = decided[i][h]
            else:
                raise SystemExit(f"{i} {h}: the editors disagree and nobody has decided (adjudicated.jsonl)")
        out[i] = row
    return out


def split_of(item_id: str) -> str:
    """The tuning set holds out every 4th item; the check set (first measured untouched, see
    README) every 2nd, its odd items having been tuned on since."""
    n = int(item_id.lstrip("rc"))
    if item_id.startswith("c"):
        return "tune" if n % 2 else "holdout"
    return "holdout" if n % 4 == 0 else "tune"


def as_article(item: dict) -> Article:
    text = " ".join(p for p in (item["lead"], item.get("body", "")) if p)
    published = datetime.fromisoformat(item["published"]).replace(tzinfo=timezone.utc)
    url = f"https://relevance.aibrief.invalid/{item['id']}"
    return Article(
        feed_url="https://relevance.aibrief.invalid/feed",
        source=item["source"],
        url=url,
        title=item["title"],
        summary=text,
        published=published,
        dedupe_key="url:" + url,
    )


def score(predicted: set[str], truth: set[str], ids: list[str]) -> tuple[float, float, int, int, int]:
    ids_set = set(ids)
    p, t = predicted & ids_set, truth & ids_set
    tp = len(p & t)
    precision = tp / len(p) if p else 1.0
    recall = tp / len(t) if t else 1.0
    return precision, recall, tp, len(p) - tp, len(t) - tp


# The relevance check each heading gets with --check (bot/llm/relevance.py), from EDITORIAL.md.
CHECKS = {
    "ai-security": "articles whose main subject is the security of AI: attacks on or through AI systems, AI used "
                   "for fraud, abuse or espionage, AI safety and privacy harms",
    "ai-policy": "articles whose main subject is the state acting on AI: laws, regulation, courts, regulators, "
                 "export controls, diplomacy",
    "prompt-injection": "articles whose main subject is attacks that steer or break an AI model through its input: "
                        "prompt injection, jailbreaks, data poisoning, model extraction",
}


def checked_matches(items: list[dict], settings, database: str | None) -> dict[str, set[str]]:
    """Each heading's matches after the relevance check, on a fresh database."""
    from bot.llm.relevance import check_matches

    tmp = tempfile.TemporaryDirectory()
    store = open_store(database or str(Path(tmp.name) / "checked.db"))
    seed_default_watchlists(store)
    for h in HEADINGS:
        store.set_watchlist_check(store.get_watchlist(h).id, CHECKS[h], now=1)
    feed = store.add_feed("https://relevance.aibrief.invalid/feed", "relevance set")
    ids = store.insert_articles(feed.id, [as_article(i) for i in items])
    by_article = dict(zip(ids, (i["id"] for i in items)))
    while True:  # passes until every match is decided (or the model stops answering)
        report = check_matches(store, settings, limit=400)
        if not (report.kept or report.dropped):
            break
    unchecked = len(store.matches_to_check(100_000))
    caught = store.matches_for_articles(ids)
    store.close()
    if unchecked:
        print(f"  ({unchecked} matches left unchecked: the model did not answer them)")
    return {h: {by_article[a] for a, names in caught.items() if h in names} for h in HEADINGS}


def report_check(items, labels, truth, predicted, splits, database) -> None:
    """Precision/recall with and without the check: against the stand-in model answering
    from the labels (the check's ceiling: what a perfect model gives), and against the
    endpoint in AIBRIEF_LLM_URL/AIBRIEF_LLM_MODEL when set."""
    import os

    from bot.config import load_settings
    from tests.support.llm_standin import LLMStandIn

    title_ids: dict[str, list[str]] = {}
    for item in items:
        title_ids.setdefault(item["title"].strip(), []).append(item["id"])
    heading_of = {v: k for k, v in CHECKS.items()}

    def from_labels(check: str, title: str) -> bool:
        h = heading_of.get(check.strip(), "")
        return any(labels[i].get(h, False) for i in title_ids.get(" ".join(title.split()), []))

    runs = []
    with LLMStandIn() as standin:
        standin.label_fn = from_labels
        env = {"AIBRIEF_LLM_URL": standin.url, "AIBRIEF_LLM_MODEL": "standin", "AIBRIEF_LLM_DAILY_CALLS": "1000000"}
        runs.append(("stand-in answering from the labels", checked_matches(items, load_settings(env, env_file=None), database)))
        print(f"  stand-in: {len(standin.calls('relevance'))} relevance questions asked")
    if os.environ.get("AIBRIEF_LLM_URL") and os.environ.get("AIBRIEF_LLM_MODEL"):
        settings = load_settings(env_file=None)
        runs.append((f"endpoint {settings.llm_model}", checked_matches(items, settings, database)))
    else:
        print("  (set AIBRIEF_LLM_URL and AIBRIEF_LLM_MODEL to measure a real endpoint too)")
    for name, after in runs:
        print(f"relevance check, {name}:")
        print(f"{'watchlist':17} {'split':8} {'without: P':>10} {'R':>6}   {'with check: P':>13} {'R':>6} {'fp':>4} {'fn':>4}")
        for h in HEADINGS:
            for split, ids_ in splits.items():
                p0, r0, *_ = score(predicted[h], truth[h], ids_)
                p1, r1, _tp, fp, fn = score(after[h], truth[h], ids_)
                print(f"{h:17} {split:8} {p0:10.3f} {r0:6.3f}   {p1:13.3f} {r1:6.3f} {fp:4d} {fn:4d}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", help="a postgresql:// URL of an empty database (default: a temporary SQLite file)")
    ap.add_argument("--set", choices=tuple(SETS), default="tuning", help="which labelled set (default: tuning, the one the targets are for)")
    ap.add_argument("--errors", choices=("tune", "holdout", "all"), help="list false positives and negatives")
    ap.add_argument("--write-labels", action="store_true", help="write labels.jsonl from the editors' files")
    ap.add_argument("--check", action="store_true",
                    help="also with the model's relevance check: a stand-in answering from the labels, and the "
                         "endpoint in AIBRIEF_LLM_URL/AIBRIEF_LLM_MODEL when set")
    args = ap.parse_args(argv)

    items: list[dict] = []
    labels: dict[str, dict] = {}
    for prefix in SETS[args.set]:
        these, theirs = load(f"{prefix}items.jsonl"), final_labels(prefix)
        if args.write_labels:
            with open(HERE / f"{prefix}labels.jsonl", "w", encoding="utf-8") as f:
                for item in these:
                    f.write(json.dumps(theirs[item["id"]], ensure_ascii=False) + "\n")
        items += these
        labels.update(theirs)
    tmp = tempfile.TemporaryDirectory()
    store = open_store(args.database or str(Path(tmp.name) / "relevance.db"))
    seed_default_watchlists(store)
    feed = store.add_feed("https://relevance.aibrief.invalid/feed", "relevance set")
    ids = store.insert_articles(feed.id, [as_article(i) for i in items])
    by_article = dict(zip(ids, (i["id"] for i in items)))
    caught = store.matches_for_articles(ids)
    predicted = {h: {by_article[a] for a, names in caught.items() if h in names} for h in HEADINGS}
    previous = {}
    for h in HEADINGS:  # the earlier defaults, matched anywhere in the text as they were
        node = parse(PREVIOUS_DEFAULTS[h][-1], max_length=WATCHLIST_MAX_LENGTH, max_terms=WATCHLIST_MAX_TERMS)
        previous[h] = {by_article[hit.article_id] for hit in store.search(node, limit=len(items))}
    truth = {h: {i for i, row in labels.items() if row[h]} for h in HEADINGS}
    splits = {"all": [i["id"] for i in items]}
    for name in ("tune", "holdout"):
        splits[name] = [i["id"] for i in items if split_of(i["id"]) == name]
    print(f"labelled set {args.set!r}: {len(items)} items ({len(splits['tune'])} tune, "
          f"{len(splits['holdout'])} held out); backend {store.backend}")
    print(f"{'watchlist':17} {'split':8} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}"
          f"   {'previous default: P':>20} {'R':>5}")
    ok = True
    for h in HEADINGS:
        for name, ids_ in splits.items():
            p, r, tp, fp, fn = score(predicted[h], truth[h], ids_)
            pp, pr, *_ = score(previous[h], truth[h], ids_)
            print(f"{h:17} {name:8} {p:9.3f} {r:7.3f} {tp:4d} {fp:4d} {fn:4d}   {pp:20.3f} {pr:5.3f}")
            if name == "all" and h in TARGETS:
                ok &= p >= TARGETS[h][0] and r >= TARGETS[h][1]
    print("targets (precision ≥ 0.9, recall ≥ 0.8 for ai-security and ai-policy):", "met" if ok else "NOT met")
    if args.check:
        report_check(items, labels, truth, predicted, splits, None if not args.database else args.database)
    if args.errors:
        chosen = set(splits[args.errors])
        by_id = {i["id"]: i for i in items}
        for h in HEADINGS:
            node = parse_watchlist(DEFAULT_WATCHLISTS[h])
            for kind, ids_ in (("false positive", predicted[h] - truth[h]), ("missed", truth[h] - predicted[h])):
                for i in sorted(ids_ & chosen):
                    print(f"  {h} {kind}: {i} {by_id[i]['title'][:100]}")
                    if kind == "false positive":
                        a = as_article(by_id[i])
                        why = matched_terms(node, title=a.title, summary=a.summary, lead=lead_of(a.summary))
                        print("      matched: " + ", ".join(f"{m.term} ({m.field})" for m in why))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
