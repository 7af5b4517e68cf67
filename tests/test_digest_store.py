"""Digest SQL (bot/store/digests.py) on SQLite and PostgreSQL: subscriptions, candidate
selection, runs with their plan, reservations, slots and leases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.models import Subscription
from bot.store import RunConflict, SlotTaken
from tests.support.digest_helpers import T0, article, ts

NOW = ts(T0)


@pytest.fixture
def filled(store):
    """Two watchlists and four articles fetched at different times."""
    feed = store.add_feed("http://127.0.0.1/feed", "Feed")
    store.add_watchlist("ai", "AI", now=NOW - 10 * 86400)
    store.add_watchlist("policy", "regulation", now=NOW - 10 * 86400)
    ids = {}
    for key, title, hours_ago, published_ago in [
        ("both", "AI regulation passes the senate", 2, 3),
        ("ai", "AI jailbreak found in assistant", 5, 5),
        ("old", "AI history lesson from the archive", 3, 24 * 5),  # fetched now, published 5 days ago
        ("early", "AI model theft case from last week", 30, 31),  # fetched before the window
        ("none", "Weather is nice", 1, 1),
    ]:
        (ids[key],) = store.insert_articles(
            feed.id,
            [article(title, published=T0 - timedelta(hours=published_ago), key=f"k:{key}")],
            now=NOW - hours_ago * 3600,
        )
    return store, ids


def select(store, channel="C1", watchlists=None, start=NOW - 86400):
    return store.digest_candidates(
        channel, watchlists, fetched_after=start, fetched_until=NOW, published_since=start - 86400
    )


def test_subscriptions_add_update_list_remove(store):
    before, after = store.save_subscription(Subscription("C1", at="08:30", tz="Europe/Berlin"), actor="cli:ann")
    assert before is None
    assert (after.at, after.tz, after.watchlists, after.template, after.max_items) == (
        "08:30", "Europe/Berlin", None, "daily", 5)  # the top 5 stories: a new subscription's default
    assert after.created_by == "cli:ann"
    store.record_subscription_error("C1", "not_in_channel: invite the bot")
    before, after = store.save_subscription(
        Subscription("C1", at="09:00", tz="UTC", watchlists=("ai",), template="compact", max_items=5, post_empty=True),
        actor="U2",
    )
    assert before.last_error == "not_in_channel: invite the bot" and before.error_count == 1
    assert after.last_error is None and after.error_count == 0  # a change clears the error
    assert (after.watchlists, after.template, after.max_items, after.post_empty) == (("ai",), "compact", 5, True)
    assert after.created_by == "cli:ann" and after.updated_by == "U2"
    store.save_subscription(Subscription("C0"), actor="x")
    assert [s.channel for s in store.list_subscriptions()] == ["C0", "C1"]
    assert store.remove_subscription("C1").channel == "C1"
    assert store.remove_subscription("C1") is None
    assert store.get_subscription("C1") is None


def test_channel_errors_switch_a_subscription_off_after_three_in_a_row(store):
    store.save_subscription(Subscription("C1"))
    for n in (1, 2):
        assert store.record_subscription_error("C1", "channel_not_found").enabled
    sub = store.record_subscription_error("C1", "channel_not_found")
    assert not sub.enabled and sub.error_count == 3
    assert store.list_subscriptions(enabled_only=True) == []


def test_candidates_are_matched_in_the_window_with_watchlists_and_best_score(filled):
    store, ids = filled
    got = {c.article_id: c for c in select(store)}
    assert set(got) == {ids["both"], ids["ai"]}  # not: unmatched, fetched earlier, published long ago
    assert got[ids["both"]].watchlists == ("ai", "policy")
    assert got[ids["ai"]].watchlists == ("ai",)
    assert got[ids["both"]].score > 0
    assert [c.article_id for c in select(store)] == [ids["both"], ids["ai"]]  # newest first
    assert {c.article_id for c in select(store, watchlists=["policy"])} == {ids["both"]}
    assert select(store, watchlists=[]) == []
    assert select(store, watchlists=["policy"])[0].watchlists == ("policy",)


def test_candidates_carry_the_stored_lead_for_clustering(store):
    feed = store.add_feed("http://127.0.0.1/feed", "Feed")
    store.add_watchlist("ai", "AI", now=NOW - 10 * 86400)
    summary = ("AI labs in Seoul agreed on Tuesday to publish safety frameworks before the next summit. "
               "The pledge covers sixteen companies. " + "More detail follows here. " * 20)
    store.insert_articles(feed.id, [article("AI labs sign pledge", published=T0, summary=summary)], now=NOW - 60)
    (cand,) = select(store)
    assert cand.lead.startswith("AI labs in Seoul agreed on Tuesday")
    assert len(cand.lead) < len(summary)  # the lead, not the whole summary


def test_sent_articles_are_not_candidates_for_that_channel_only(filled):
    store, ids = filled
    store.create_digest_run("C1", window_start=NOW - 86400, window_end=NOW, plan=[{"text": "x", "blocks": []}],
                            article_ids=[ids["both"]])
    assert [c.article_id for c in select(store, "C1")] == [ids["ai"]]
    assert len(select(store, "C2")) == 2
    assert len(select(store, None)) == 2
    assert store.sent_article_ids("C1") == {ids["both"]}


def test_a_run_is_stored_with_its_plan_before_posting(filled):
    store, ids = filled
    plan = [{"text": "main", "blocks": [{"type": "divider"}], "thread": False},
            {"text": "reply", "blocks": [{"type": "divider"}], "thread": True}]
    run = store.create_digest_run("C1", window_start=NOW - 86400, window_end=NOW, plan=plan,
                                  article_ids=[ids["both"], ids["ai"]], template="daily")
    assert run.status == "pending" and run.plan == plan and run.item_count == 2 and len(run.key) == 16
    assert run.posted == {} and run.attempted == frozenset()
    assert [r.id for r in store.unfinished_digest_runs()] == [run.id]
    store.mark_digest_message_attempt(run.id, 0)
    assert store.get_digest_run(run.id).attempted == {0}
    store.record_digest_message(run.id, 0, "1700000000.000100")
    store.record_digest_message(run.id, 1, "1700000000.000200")
    store.finish_digest_run(run.id)
    done = store.get_digest_run(run.id)
    assert done.status == "done" and done.posted == {0: "1700000000.000100", 1: "1700000000.000200"}
    assert store.unfinished_digest_runs() == []
    assert store.digest_window_end("C1") == NOW


def test_two_runs_cannot_take_the_same_window_or_article(filled):
    store, ids = filled
    store.create_digest_run("C1", window_start=0, window_end=NOW, plan=[], article_ids=[ids["ai"]])
    with pytest.raises(RunConflict):
        store.create_digest_run("C1", window_start=0, window_end=NOW, plan=[], article_ids=[])
    with pytest.raises(RunConflict):
        store.create_digest_run("C1", window_start=0, window_end=NOW + 5, plan=[], article_ids=[ids["both"], ids["ai"]])
    # the failed attempt left nothing behind
    assert store.sent_article_ids("C1") == {ids["ai"]}
    assert len(store.digest_runs("C1")) == 1


def test_a_scheduled_slot_is_taken_once(store):
    store.save_subscription(Subscription("C1"))
    store.create_digest_run("C1", window_start=0, window_end=NOW, plan=[], article_ids=[], slot="2025-03-01")
    with pytest.raises(SlotTaken):
        store.create_digest_run("C1", window_start=0, window_end=NOW + 1, plan=[], article_ids=[], slot="2025-03-01")
    with pytest.raises(SlotTaken):
        store.record_empty_digest("C1", window_end=NOW + 2, slot="2025-03-01")
    store.record_empty_digest("C1", window_end=NOW + 3, slot="2025-03-02")
    sub = store.get_subscription("C1")
    assert sub.last_scheduled_date == "2025-03-02" and ts(sub.last_window_end) == NOW + 3


def test_a_failed_run_releases_its_articles_only_if_nothing_was_posted(filled):
    store, ids = filled
    a = store.create_digest_run("C1", window_start=0, window_end=NOW, plan=[{}], article_ids=[ids["ai"]])
    store.fail_digest_run(a.id, "not_in_channel")
    assert store.sent_article_ids("C1") == set()
    assert store.get_digest_run(a.id).status == "failed"
    b = store.create_digest_run("C1", window_start=0, window_end=NOW + 1, plan=[{}, {}], article_ids=[ids["ai"]])
    store.record_digest_message(b.id, 0, "1.000001")
    store.fail_digest_run(b.id, "invalid_blocks")
    assert store.sent_article_ids("C1") == {ids["ai"]}
    assert store.digest_window_end("C1") is None  # no digest completed


def test_a_run_lease_keeps_a_second_poster_out_until_it_expires(store):
    run = store.create_digest_run("C1", window_start=0, window_end=NOW, plan=[], article_ids=[])
    assert store.claim_digest_run(run.id, "bot", lease_seconds=300, now=1000)
    assert store.claim_digest_run(run.id, "bot", lease_seconds=300, now=1100)  # renewal
    assert not store.claim_digest_run(run.id, "cli", lease_seconds=300, now=1200)
    assert store.claim_digest_run(run.id, "cli", lease_seconds=300, now=1401)  # the bot died
    store.release_digest_run(run.id, "cli")
    assert store.claim_digest_run(run.id, "bot", lease_seconds=300, now=1402)
    store.finish_digest_run(run.id)
    assert not store.claim_digest_run(run.id, "bot", lease_seconds=300, now=1403)  # done runs are not posted
