"""Briefings worth reading (issue 12), below Slack: "not relevant" votes, watchlist
statistics and suggestions, exclusions and muted sources, on both backends (the `store`
fixture), and the pure pieces (button values, bold highlights, mute keys)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bot import admin, feedback
from bot.admin import AdminError
from bot.config import Settings
from bot.digest.select import is_muted, mute_key
from bot.digest.service import render_digest
from bot.explain import highlight_spans
from bot.mrkdwn import emphasize, emphasized_link
from bot.query import parse, parse_watchlist
from bot.search import watch_matches
from bot.tuning import suggest, watch_stats
from tests.support.helpers import article

CHANNEL = "C0TUNING1"
AI_SEC = '(AI OR "artificial intelligence") (security OR attack)'


def in_digest(store, channel: str, ids) -> None:
    """Record `ids` as posted in a digest to `channel` (what a real digest run writes)."""
    now = int(datetime.now(timezone.utc).timestamp())
    store.create_digest_run(channel, window_start=now - 86400, window_end=now + len(ids),
                            plan=[{"text": "t", "blocks": [], "thread": False}], article_ids=list(ids))


def state(store):
    """Everything a vote, an exclusion or a mute could change."""
    return (store.feedback_votes(), store.exclusions(), store.channel_mutes(), store.watchlist_match_counts(),
            [(e.actor, e.action, e.target) for e in store.audit_entries(limit=100)])


@pytest.fixture
def tuned(store):
    """Six AI-security matches (two of them football stories readers voted not relevant,
    three votes in all) and one article the watchlist does not match."""
    wl = store.add_watchlist("ai-sec", AI_SEC)
    arts = [
        article("AI attack in football final", "The striker's AI-assisted attack won the football match.", days_ago=1),
        article("Football: AI coach plans attack", "Football teams use AI to plan an attack.", days_ago=2),
        article("Hackers attack AI systems", "A security attack on AI systems at a bank.", days_ago=3),
        article("AI security flaw found in chatbots", "Researchers found a security flaw.", days_ago=10),
        article("Security agency warns on AI", "The agency warned about AI risks to security.", days_ago=20),
        article("AI model theft attack", "Thieves copied an AI model in an attack.", days_ago=40),
        article("Weather: sunny weekend", "No clouds expected.", days_ago=1),
    ]
    ids = store.insert_articles(None, arts)
    in_digest(store, CHANNEL, ids)
    assert store.record_votes("U1", ids[0], ["ai-sec"], CHANNEL) == 1
    assert store.record_votes("U2", ids[0], ["ai-sec"], CHANNEL) == 1
    assert store.record_votes("U1", ids[1], ["ai-sec"], CHANNEL) == 1
    return store, wl, ids


# ---- votes -------------------------------------------------------------------------------------------
def test_a_vote_counts_once_per_user_article_watchlist_and_channel(tuned):
    store, wl, ids = tuned
    before = store.feedback_votes()
    assert store.record_votes("U1", ids[0], ["ai-sec"], CHANNEL) == 0  # the second click
    assert store.feedback_votes() == before
    assert store.record_votes("U1", ids[0], ["ai-sec"], "C0OTHER01") == 1  # another channel is another vote
    assert len(store.feedback_votes("ai-sec")) == 4


def test_only_what_the_store_confirms_can_be_voted_on(tuned):
    store, wl, ids = tuned
    store.add_watchlist("other", "weather")
    assert store.vote_targets(ids[0], ["ai-sec"], CHANNEL) == ["ai-sec"]
    assert store.vote_targets(ids[0], ["ai-sec", "nope", "other"], CHANNEL) == ["ai-sec"]  # other did not match it
    assert store.vote_targets(ids[0], ["ai-sec"], "C0NOTSENT") == []  # never posted there
    assert store.vote_targets(999999, ["ai-sec"], CHANNEL) == []
    before = state(store)
    for raw in ['{"a": 999999, "w": ["ai-sec"]}', json.dumps({"a": ids[0], "w": ["nope"]}),
                json.dumps({"a": ids[0], "w": ["ai-sec"], "x": 1}), '{"a": true, "w": ["ai-sec"]}',
                json.dumps({"a": ids[0], "w": ["AI-SEC; DROP TABLE"]}), "not json", None, "x" * 5000]:
        assert feedback.not_relevant(store, "U9", CHANNEL, raw).status == "refused", raw
    assert feedback.not_relevant(store, "U9", "C0NOTSENT", feedback.button_value(ids[0], ["ai-sec"])).status == "refused"
    assert state(store) == before
    ok = feedback.not_relevant(store, "U9", CHANNEL, feedback.button_value(ids[0], ["ai-sec", "other"]))
    assert (ok.status, ok.watchlists, ok.title) == ("recorded", ("ai-sec",), "AI attack in football final")
    assert feedback.not_relevant(store, "U9", CHANNEL, feedback.button_value(ids[0], ["ai-sec"])).status == "already"


def test_votes_never_change_a_watchlist(tuned):
    store, wl, ids = tuned
    assert store.watchlist_match_counts() == {"ai-sec": 6}
    assert [h.article_id for h in watch_matches(store, "ai-sec", limit=10)][:2] == ids[:2]


def test_button_values_fit_every_control_and_parse_back():
    names = [f"watchlist-number-{i:02d}" for i in range(10)]
    value = feedback.button_value(123456, names)
    assert len(value) <= feedback.MAX_VALUE  # a select option's value limit
    article_id, kept = feedback.parse_value(value)
    assert article_id == 123456 and kept == names[: len(kept)] and kept
    assert feedback.parse_value(feedback.button_value(7, ["ai-sec"])) == (7, ["ai-sec"])


# ---- statistics and the suggestion ---------------------------------------------------------------------
def test_stats_figures_on_known_votes(tuned):
    store, wl, ids = tuned
    [st] = watch_stats(store)
    assert (st.name, st.matches_7d, st.matches_30d, st.votes, st.voted_articles) == ("ai-sec", 3, 5, 3, 2)
    top = st.most_voted
    assert [(a.article_id, a.votes) for a in top] == [(ids[0], 2), (ids[1], 1)]
    assert [(m.term, m.field) for m in top[0].matched] == [("ai", "title"), ("attack", "title")]
    # the football stories share a word no kept match has: exclude it
    s = st.suggestion
    assert (s.kind, s.term, s.change) == ("exclude-word", "football", "-football")
    assert (s.voted, s.voted_of, s.others, s.others_of) == (2, 2, 0, 4)
    assert s.query == AI_SEC + " -football"
    assert parse_watchlist(s.query)  # an admin can paste it
    # the JSON the CLI prints
    data = st.as_json()
    assert data["most_voted"][0]["matched"] == [{"term": "ai", "field": "title"}, {"term": "attack", "field": "title"}]
    assert data["suggestion"]["query"] == s.query


def test_no_suggestion_from_a_single_voted_article(store):
    store.add_watchlist("ai-sec", AI_SEC)
    ids = store.insert_articles(None, [article("AI attack in football", "A football match.", days_ago=1),
                                       article("Hackers attack AI", "Security.", days_ago=1)])
    in_digest(store, CHANNEL, ids)
    store.record_votes("U1", ids[0], ["ai-sec"], CHANNEL)
    [st] = watch_stats(store)
    assert st.votes == 1 and st.suggestion is None


def test_a_word_only_in_the_voted_leads_is_scoped_to_the_headline(store):
    query = "AI (travel OR visa)"
    store.add_watchlist("ai-travel", query)
    voted = [article("AI startup raises money", "Its founders travel to Paris often.", days_ago=1),
             article("AI chip maker hires staff", "New engineers travel between offices.", days_ago=1)]
    kept = [article(f"AI experts told to avoid travel {i}", "Officials said so.", days_ago=2) for i in range(3)]
    kept.append(article("AI visa rules tightened", "A new visa regime for AI experts.", days_ago=2))
    ids = store.insert_articles(None, voted + kept)
    in_digest(store, CHANNEL, ids)
    for aid in ids[:2]:
        store.record_votes("U1", aid, ["ai-travel"], CHANNEL)
    [st] = watch_stats(store)
    s = st.suggestion
    assert (s.kind, s.term, s.change) == ("title-scope", "travel", "title:travel")
    assert (s.voted, s.voted_of, s.others, s.others_of) == (2, 2, 0, 4)
    assert s.query == "AI (title:travel OR visa)"


def test_near_for_an_alternative_only_the_noise_has():
    """Pure: `attack` (in the headline) is in every voted article and in one of five others,
    which pair it with `ai`: ask for attack close to AI."""
    from types import SimpleNamespace as A

    query = "AI (security OR attack)"
    node = parse_watchlist(query)
    voted = [A(title="Coach: AI sports attack plan", summary="", lead="The coach's plan."),
             A(title="AI attack drills for the team", summary="", lead="The players ran drills.")]
    others = [A(title=f"AI security review {i}", summary="", lead="An audit.") for i in range(4)]
    others.append(A(title="AI attack on banks", summary="", lead="Hackers struck."))
    s = suggest(query, node, voted, others)
    assert (s.kind, s.term, s.change) == ("near", "attack", "attack NEAR/5 ai")
    assert s.query == "AI (security OR (attack NEAR/5 ai))" and parse_watchlist(s.query)


# ---- exclusions ---------------------------------------------------------------------------------------------
def test_exclude_drops_the_match_for_good_and_is_audited(tuned):
    store, wl, ids = tuned
    url = store.get_articles([ids[0]])[ids[0]]["url"]
    ex = admin.exclude_article(store, "cli:tester", "ai-sec", f"<{url}|the football one>")
    assert (ex.watchlist, ex.url, ex.removed) == ("ai-sec", url, 1)
    assert ids[0] not in [h.article_id for h in watch_matches(store, "ai-sec", limit=50)]
    assert store.watchlist_match_counts() == {"ai-sec": 5}
    entry = store.audit_entries(limit=1)[0]
    assert (entry.actor, entry.action, entry.target) == ("cli:tester", "watch.exclude", "ai-sec")
    assert entry.after["url"] == url
    # the same story stored again (another guid, the same link) stays out; a new one comes in
    again = replace(article("AI attack in football final (updated)", "AI attack, football.", url=url, days_ago=0),
                    dedupe_key="guid:another-guid", guid="another-guid")
    fresh = article("AI attack on power grid", "A security attack.", days_ago=0)
    new_ids = store.insert_articles(None, [again, fresh])
    listed = [h.article_id for h in watch_matches(store, "ai-sec", limit=50)]
    assert new_ids[1] in listed and new_ids[0] not in listed and ids[0] not in listed
    with pytest.raises(AdminError, match="already excluded"):
        admin.exclude_article(store, "cli:tester", "ai-sec", url)


def test_exclude_refuses_what_it_cannot_find(tuned):
    store, wl, ids = tuned
    before = state(store)
    for name, url, reason in [("nope", "https://example.com/x", "no watchlist"),
                              ("ai-sec", "https://example.com/never-stored", "no stored article"),
                              ("ai-sec", "ftp://example.com/x", "not an article URL")]:
        with pytest.raises(AdminError, match=reason):
            admin.exclude_article(store, "cli:tester", name, url)
    assert state(store) == before


# ---- muted sources -----------------------------------------------------------------------------------------------
def test_mute_keys_and_matching():
    assert mute_key("Dawn") == ("dawn", "name")
    assert mute_key("  The   Record ") == ("the record", "name")
    assert mute_key("www.Dawn.com") == ("dawn.com", "host")
    assert mute_key("<https://www.dawn.com/news/1|Dawn>") == ("dawn.com", "host")
    for bad in ["", "   ", "x" * 201]:
        with pytest.raises(ValueError):
            mute_key(bad)
    assert is_muted({"dawn.com"}, "Anything", "https://images.dawn.com/a")
    assert is_muted({"dawn"}, "DAWN", "https://other.example/a")
    assert not is_muted({"dawn.com"}, "Dawn News", "https://notdawn.com/a")
    assert not is_muted({"com"}, "Example", "https://example.com/a")  # never a bare top-level domain


def test_a_muted_source_leaves_the_channels_digest_and_unmute_brings_it_back(store):
    store.add_watchlist("ai-sec", AI_SEC)
    now = datetime.now(timezone.utc)
    store.insert_articles(None, [
        article("AI attack hits bank", "A security attack.", source="Dawn", url="https://www.dawn.com/news/1",
                published=now - timedelta(hours=2)),
        article("AI security flaw in phones", "Researchers found it.", source="The Record",
                url="https://therecord.media/flaw", published=now - timedelta(hours=1)),
    ])
    settings = Settings()

    def sources(channel):
        rd = render_digest(store, settings, channel, now + timedelta(minutes=1))
        return sorted(s.primary.source for s in rd.selection.stories)

    assert sources(CHANNEL) == ["Dawn", "The Record"]
    m = admin.mute_source(store, "cli:tester", CHANNEL, "dawn.com")
    assert (m.channel, m.source, m.kind, m.known) == (CHANNEL, "dawn.com", "host", 1)
    assert sources(CHANNEL) == ["The Record"]
    assert sources("C0ELSEWHERE") == ["Dawn", "The Record"]  # only that channel
    admin.mute_source(store, "cli:tester", CHANNEL, "the RECORD")
    assert sources(CHANNEL) == []
    with pytest.raises(AdminError, match="already muted"):
        admin.mute_source(store, "cli:tester", CHANNEL, "The Record")
    admin.unmute_source(store, "cli:tester", CHANNEL, "Dawn.com")
    assert sources(CHANNEL) == ["Dawn"]
    assert [(e.action, e.target) for e in store.audit_entries(limit=10)] == [
        ("channel.unmute", CHANNEL), ("channel.mute", CHANNEL), ("channel.mute", CHANNEL)]
    with pytest.raises(AdminError, match="not muted"):
        admin.unmute_source(store, "cli:tester", CHANNEL, "dawn.com")
    with pytest.raises(AdminError, match="bad channel"):
        admin.mute_source(store, "cli:tester", "general", "dawn.com")


# ---- bold highlights ---------------------------------------------------------------------------------------------------
HOSTILE = "*<!channel>* & <http://x|y> AI travel"


def test_bold_spans_never_come_from_feed_text_and_never_break_markup():
    node = parse("channel OR travel OR ai OR y")
    spans = highlight_spans(node, HOSTILE)
    assert [HOSTILE[a:b] for a, b in spans] == ["channel", "y", "AI", "travel"]
    text = emphasize(HOSTILE, spans)
    assert text == "∗&lt;!*channel*&gt;∗ &amp; &lt;http://x|*y*&gt; *AI* *travel*"
    assert "<" not in text and ">" not in text  # no mention, no link
    # every * is one of ours, in pairs, around exactly the matched words
    assert re.findall(r"\*([^*]+)\*", text) == ["channel", "y", "AI", "travel"]
    label = emphasized_link("https://news.example/a?x=1&y=2", HOSTILE, spans)
    assert label == ("<https://news.example/a?x=1&amp;y=2|∗&lt;!*channel*&gt;∗ &amp; &lt;http://x¦*y*&gt; "
                     "*AI* *travel* (news.example)>")  # the label names http://x: the real domain follows
    assert label.count("<") == 1 and label.count(">") == 1  # one link, whole
    # entities stay whole whatever the spans say
    assert emphasize("A&B", [(0, 3)]) == "*A&amp;B*"
    assert emphasize("a & b", [(2, 3)]) == "a *&amp;* b"
    assert emphasize("no spans *here*") == "no spans ∗here∗"


# ---- the controls keep the digest inside Slack's limits ---------------------------------------------------------------
@pytest.mark.parametrize("template", ["daily", "compact"])
def test_a_full_digest_with_controls_and_highlights_fits_slack_limits(template):
    from bot.digest.context import build_context
    from bot.digest.items import ITEM_ACTION
    from bot.digest.render import render_messages
    from bot.digest.select import choose, window_for
    from bot.digest.validate import MAX_BLOCKS, MAX_MESSAGE_CHARS, MAX_MESSAGES
    from tests.support.blockkit import assert_valid_blocks
    from tests.support.digest_helpers import T0, cand, ts

    names = ("ai-security", "ai-policy", "prompt-injection")
    cands = [cand(f"AI security story {i} & <b>{'long words ' * 30}</b> " + "&" * 60, f"Source {i}",
                  hours=i / 10, watchlists=names, summary="AI security " * 40, article_id=10_000 + i)
             for i in range(70)]
    window = window_for(None, ts(T0))
    sel = choose(cands, start=window.start_dt, end=window.end_dt, max_items=50)
    queries = {n: AI_SEC for n in names}
    result = render_messages(template, build_context(sel, window=window, queries=queries), None)
    assert result.errors == [] and result.template == template
    assert len(result.messages) <= MAX_MESSAGES
    values = []
    for m in result.messages:
        assert len(m.blocks) <= MAX_BLOCKS
        assert_valid_blocks(m.blocks)  # slack_sdk.models: option labels ≤ 75, values ≤ 150, …
        assert len(json.dumps(m.blocks, ensure_ascii=False, separators=(",", ":"))) <= MAX_MESSAGE_CHARS
        for b in m.blocks:
            for el in ([b["accessory"]] if "accessory" in b else []) + b.get("elements", []):
                if el.get("action_id") == feedback.ACTION_NOT_RELEVANT:
                    values += [el["value"]] if "value" in el else [o["value"] for o in el["options"]]
                if el.get("action_id") == ITEM_ACTION:  # the item menu: "Not relevant" is one option
                    values += [o["value"] for o in el["options"] if feedback.parse_value(o["value"])]
    assert "*AI* *security*" in json.dumps(result.messages[0].blocks, ensure_ascii=False)
    listed = 60  # the top 50 in the channel message, the rest of the full list (60) in the thread
    assert len({feedback.parse_value(v)[0] for v in values}) == listed
    assert all(sorted(feedback.parse_value(v)[1]) == sorted(names) for v in values)


def test_even_the_last_resort_layout_has_the_control():
    from bot.digest.context import build_context
    from bot.digest.render import builtin_messages
    from bot.digest.select import choose, window_for
    from tests.support.blockkit import assert_valid_blocks
    from tests.support.digest_helpers import T0, cand, ts

    window = window_for(None, ts(T0))
    sel = choose([cand("AI attack", "Reuters", hours=1, article_id=42)], start=window.start_dt,
                 end=window.end_dt, max_items=5)
    [message] = builtin_messages(build_context(sel, window=window))
    assert_valid_blocks(message.blocks)
    [button] = [b["accessory"] for b in message.blocks if "accessory" in b]
    assert button["action_id"] == feedback.ACTION_NOT_RELEVANT
    assert feedback.parse_value(button["value"]) == (42, ["ai-security"])
