"""Ranking (watchlists, match, recency), source diversity, top N + "and K more", windows."""

from __future__ import annotations

from datetime import timedelta

from bot.digest.cluster import Story, cluster
from bot.digest.rank import diversify, rank, source_cap
from bot.digest.select import FIRST_WINDOW, MAX_WINDOW, OVERLAP, choose, window_for
from tests.support.digest_helpers import T0, cand

START, END = T0 - timedelta(hours=24), T0


def ranked_titles(cands):
    return [s.primary.title for s in rank(cluster(cands), start=START, end=END)]


def test_more_watchlists_beat_a_better_match_and_a_newer_story():
    one = cand("Deepfake robocall targets voters", "AP", hours=0, score=9.0, watchlists=("ai-security",))
    two = cand("Senate bill would ban AI voice cloning scams", "Reuters", hours=20, score=0.5,
               watchlists=("ai-policy", "ai-security"))
    assert ranked_titles([one, two]) == [two.title, one.title]


def test_better_match_wins_at_equal_watchlists_and_age():
    weak = cand("Chatbot maker updates terms", "AP", hours=5, score=1.0)
    strong = cand("Prompt injection attack hijacks email assistant", "Wired", hours=5, score=4.0)
    assert ranked_titles([weak, strong]) == [strong.title, weak.title]


def test_newer_wins_at_equal_watchlists_and_match():
    old = cand("Model theft case goes to trial", "AP", hours=22, score=2.0)
    new = cand("Jailbreak found in popular coding assistant", "Wired", hours=1, score=2.0)
    assert ranked_titles([old, new]) == [new.title, old.title]


def test_a_story_covered_by_several_outlets_outranks_an_equal_single_one():
    single = cand("Startup leaks training data through misconfigured bucket", "CSO", hours=2, score=2.0)
    wire = cand("US and China to hold talks on AI risks and security", "AP", hours=2, score=2.0)
    copy1 = cand("US and China to hold talks on AI risks and security - ABC News", "ABC News", hours=2, score=2.0)
    copy2 = cand("US and China to hold talks on AI risks and security | Dawn", "Dawn", hours=2, score=2.0)
    assert ranked_titles([single, wire, copy1, copy2])[0] == wire.title


def _stories(spec):
    return [Story(cand(f"Story {i} from {src}", src, hours=i, score=10 - i * 0.1)) for i, src in enumerate(spec)]


def test_no_one_source_fills_the_top():
    stories = _stories(["Reuters"] * 8 + ["AP", "Dawn", "Wired", "CNN", "AP", "Dawn", "BBC"])
    top = diversify(stories, 10)[:10]
    sources = [s.source for s in top]
    assert len(set(sources[:3])) == 3  # the first places go to three different sources
    assert sources.count("Reuters") == source_cap(10) == 4
    assert sources[0] == "Reuters"  # the best story still leads


def test_diversity_keeps_order_within_a_source_and_fills_up_when_it_must():
    stories = _stories(["Reuters"] * 6 + ["AP"])
    out = diversify(stories, 5)
    assert [s.source for s in out[:5]] == ["Reuters", "AP", "Reuters", "Reuters", "Reuters"]
    reuters = [s.primary.title for s in out if s.source == "Reuters"]
    assert reuters == sorted(reuters, key=lambda t: int(t.split()[1]))
    assert len(out) == 7  # nothing dropped


def test_choose_keeps_top_n_and_counts_the_rest():
    cands = [cand(f"Distinct headline number {i} about AI chips", f"Outlet {i % 5}", hours=i * 0.5)
             for i in range(23)]
    sel = choose(cands, start=START, end=END, max_items=10)
    assert len(sel.top) == 10 and len(sel.rest) == 13
    assert sorted(sel.article_ids) == sorted(c.article_id for c in cands)


def test_first_window_is_24_hours_then_since_the_last_digest():
    now = 1_000_000_000
    w = window_for(None, now)
    assert (w.start, w.end, w.query_start) == (now - FIRST_WINDOW, now, now - FIRST_WINDOW - OVERLAP)
    w = window_for(now - 3600 * 30, now)
    assert w.start == now - 3600 * 30
    w = window_for(now - 3600 * 24 * 30, now)
    assert w.start == now - MAX_WINDOW
    assert w.published_floor == w.start - 24 * 3600
