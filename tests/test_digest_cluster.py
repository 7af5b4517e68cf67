"""Story clustering on realistic pairs: the same story from two outlets merges, two stories
about the same company do not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.digest.cluster import cluster, link_key, same_story, title_words
from tests.support.digest_helpers import T0, WIRE_LEDE, cand

MERGE = [
    pytest.param(
        cand("China tells its AI leaders to avoid US travel over security concerns, WSJ reports", "Reuters",
             summary=WIRE_LEDE),
        cand("China tells its AI leaders to avoid US travel over security concerns: report", "Dawn",
             hours=3, summary=WIRE_LEDE + " The authorities are concerned about leaks."),
        id="reuters-republished-by-dawn",
    ),
    pytest.param(
        cand("US and China to hold talks on AI risks and security", "AP"),
        cand("US and China to hold talks on AI risks and security - ABC News", "ABC News", hours=1),
        id="outlet-suffix",
    ),
    pytest.param(
        cand("White House to meet AI firms", "Reuters",
             url="https://www.reuters.com/technology/ai/white-house-ai-2025-03-01/?utm_source=twitter&utm_medium=social"),
        cand("Biden officials summon chatbot makers", "Reuters via Yahoo",
             url="http://reuters.com/technology/ai/white-house-ai-2025-03-01#comments", hours=30),
        id="same-canonical-link",
    ),
    pytest.param(
        cand("China tells its AI leaders to avoid US travel, WSJ reports", "Reuters", summary=WIRE_LEDE),
        cand("Chinese AI leaders told to avoid US travel over security concerns", "Dawn", hours=5,
             summary=WIRE_LEDE),
        id="reworded-headline-same-wire-copy",
    ),
    pytest.param(
        cand("OpenAI’s new model can be jailbroken in minutes, researchers say", "The Register"),
        cand("OpenAI's new model can be jailbroken in minutes, researchers say", "Yahoo News", hours=2),
        id="typographic-apostrophe",
    ),
]

APART = [
    pytest.param(
        cand("Microsoft patches Copilot flaw that let attackers steal data", "BleepingComputer"),
        cand("Microsoft sues hackers who abused Azure OpenAI service", "The Verge", hours=2),
        id="same-company-different-stories",
    ),
    pytest.param(
        cand("Google fixes Gemini flaw that leaked private user data to attackers", "Reuters"),
        cand("Google fixes Chrome flaw that leaked private user data to attackers", "AP", hours=1),
        id="one-name-differs",
    ),
    pytest.param(
        cand("CVE-2025-1234 in LangChain lets attackers run code remotely", "SecurityWeek"),
        cand("CVE-2025-5678 in LangChain lets attackers run code remotely", "SecurityWeek", hours=20),
        id="different-cve-numbers",
    ),
    pytest.param(
        cand("OpenAI bans accounts linked to Chinese influence operations", "Reuters"),
        cand("OpenAI bans accounts linked to North Korean hackers", "Reuters", hours=30),
        id="same-company-same-verb",
    ),
    pytest.param(
        cand("This week in AI security: prompt injection and model theft", "Import AI"),
        cand("This week in AI security: prompt injection and model theft", "Import AI",
             published=T0 - timedelta(days=7)),
        id="recurring-title-a-week-apart",
    ),
    pytest.param(
        cand("AI security roundup", "Dark Reading", summary="Deepfake phishing hits banks."),
        cand("AI security roundup", "CSO Online", hours=1, summary="Model theft at a chip maker."),
        id="short-generic-titles",
    ),
]


@pytest.mark.parametrize("a,b", MERGE)
def test_same_story_merges(a, b):
    assert same_story(a, b) and same_story(b, a)
    stories = cluster([a, b])
    assert len(stories) == 1
    assert {m.article_id for m in stories[0].members} == {a.article_id, b.article_id}


@pytest.mark.parametrize("a,b", APART)
def test_different_stories_stay_apart(a, b):
    assert not same_story(a, b) and not same_story(b, a)
    assert len(cluster([a, b])) == 2


def test_cluster_picks_the_original_and_lists_each_other_outlet_once():
    reuters = cand("China tells its AI leaders to avoid US travel over security concerns, WSJ reports",
                   "Reuters", hours=6, summary=WIRE_LEDE)
    dawn = cand("China tells its AI leaders to avoid US travel over security concerns: report", "Dawn",
                hours=3, summary=WIRE_LEDE)
    dawn_update = cand("China tells its AI leaders to avoid US travel over security concerns: report", "Dawn",
                       hours=1, summary=WIRE_LEDE)
    other = cand("Deepfake CFO scam costs firm $25 million", "CNN", hours=2)
    stories = cluster([dawn, other, reuters, dawn_update])
    assert len(stories) == 2
    story = next(s for s in stories if len(s.members) == 3)
    assert story.primary is reuters  # equal watchlists and score: the earliest publication
    assert [a.source for a in story.also] == ["Dawn"]
    assert story.newest == dawn_update.published


def test_primary_is_the_version_matching_more_watchlists():
    a = cand("US and China to hold talks on AI risks and security", "AP", hours=5)
    b = cand("US and China to hold talks on AI risks and security - ABC News", "ABC News", hours=1,
             watchlists=("ai-policy", "ai-security"))
    (story,) = cluster([a, b])
    assert story.primary is b
    assert story.watchlists == ("ai-policy", "ai-security")


def test_clusters_chain_through_a_shared_link_and_a_shared_title():
    a = cand("Anthropic finds Claude was used in a cyber espionage campaign", "Anthropic",
             url="https://www.anthropic.com/news/disrupting-ai-espionage")
    b = cand("Chinese hackers used Claude to automate attacks", "The Verge", hours=2,
             url="https://anthropic.com/news/disrupting-ai-espionage/?ref=verge")
    c = cand("Chinese hackers used Claude to automate attacks - Yahoo", "Yahoo", hours=1)
    (story,) = cluster([a, b, c])
    assert len(story.members) == 3


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://www.example.com/a/b/?utm_source=x&utm_medium=y", "example.com/a/b"),
        ("http://example.com/a/b#frag", "example.com/a/b"),
        ("https://m.example.com/a/b/amp/", "example.com/a/b"),
        ("https://example.com/a?id=7&fbclid=abc", "example.com/a?id=7"),
        ("https://example.com/a?b=2&a=1", "example.com/a?a=1&b=2"),
    ],
)
def test_link_key(url, expected):
    assert link_key(url) == expected


def test_title_words_fold_stem_and_drop_outlet_tags():
    assert title_words("U.S. bans AI chips’ exports - Reuters", "Reuters") == ["us", "ban", "ai", "chip", "export"]
