"""The default watchlists: the stories a security team must see, and the near misses it must not."""

from datetime import datetime, timezone
from pathlib import Path

import pytest
import snowballstemmer

from bot.feeds.parse import parse_feed
from bot.query import leaves, parse_watchlist
from bot.watchlists import DEFAULT_WATCHLISTS, PREVIOUS_DEFAULTS, seed_default_watchlists, update_default_watchlists

SAMPLES = Path(__file__).resolve().parents[1] / "bot" / "data" / "samples"
NOW = datetime(2026, 3, 30, tzinfo=timezone.utc)

MUST_BE_AI_SECURITY = [
    "Deepfake video call tricked finance worker into $25 million transfer, police say",
    "Insider charged with copying proprietary AI model weights to personal cloud",
    "Red team finds AI browser agents can be steered by hidden text on web pages",
    "Exposed DeepSeek database leaked chat logs and API keys, researchers say",
    "Malicious models on AI model hub hide code in pickle files",
    "China tells its AI leaders to avoid US travel over security concerns: report",
    "Prompt injection in MCP servers lets attackers reach private repositories",
]
# security news without AI as its subject, and AI news without security or policy
NEAR_MISSES = [
    "Patch Tuesday preview: Microsoft to fix about 60 flaws, two under active attack",
    "Router botnet hijacked 40,000 home devices before takedown, FBI says",
    "Phishing kit sold on Telegram targeted 300 banks before takedown, police said",
    "Water utility restores service after ransomware attack; no contamination, officials said",
    "Hospital network diverts ambulances after cyberattack, spokesperson said",
]
MUST_BE_AI_POLICY = [
    "EU AI Act enters into force; most obligations phase in over two years",
    "Commerce unveils AI chip export framework with three country tiers",
    "US, EU and UK sign first international treaty on artificial intelligence",
    "China tells its AI leaders to avoid US travel over security concerns: report",
]


@pytest.fixture
def samples(store):
    seed_default_watchlists(store)
    for path in sorted(SAMPLES.glob("*.xml")):
        url = "https://samples.aibrief.invalid/" + path.name
        feed = store.add_feed(url)
        store.insert_articles(feed.id, parse_feed(path.read_bytes(), {}, feed_url=url, fetched_at=NOW).articles)
    return store


def _caught(store) -> dict[str, set[str]]:
    arts = store.get_articles(range(1, 1000))
    out: dict[str, set[str]] = {}
    for aid, names in store.matches_for_articles(list(arts)).items():
        for name in names:
            out.setdefault(name, set()).add(arts[aid]["title"])
    return out


def test_the_stories_that_matter_match_and_the_near_misses_do_not(samples):
    caught = _caught(samples)
    for title in MUST_BE_AI_SECURITY:
        assert title in caught["ai-security"], title
    for title in MUST_BE_AI_POLICY:
        assert title in caught["ai-policy"], title
    for title in NEAR_MISSES:
        assert all(title not in got for got in caught.values()), title


def test_every_prefix_in_the_defaults_can_match_a_word():
    """A prefix is compared with stems: one that no inflection of it stems into matches nothing."""
    stem = snowballstemmer.stemmer("porter").stemWord
    for name, query in DEFAULT_WATCHLISTS.items():
        for leaf in leaves(parse_watchlist(query)):
            if not leaf.prefix:
                continue
            p = leaf.text if hasattr(leaf, "text") else leaf.words[-1]
            forms = [p, p + "e", p + "s", p + "ed", p + "ing", p + "ion", p + "ity", p + "er", p + "ate"]
            assert any(stem(f).startswith(stem(p)) for f in forms), (name, p)


def test_an_unedited_old_default_is_updated_and_audited_an_edited_one_is_left(store):
    seed_default_watchlists(store)
    # as a database seeded by the first release holds them
    for name in ("ai-security", "ai-policy"):
        store.replace_watchlist_query(name, PREVIOUS_DEFAULTS[name][-1], only_if=(DEFAULT_WATCHLISTS[name],))
    edited = PREVIOUS_DEFAULTS["ai-policy"][-1] + " -tiktok"
    store.replace_watchlist_query("ai-policy", edited, only_if=(PREVIOUS_DEFAULTS["ai-policy"][-1],))
    feed = store.add_feed("https://example.com/feed")
    from tests.support.helpers import article

    store.insert_articles(feed.id, [
        article("Malicious models on AI model hub hide code in pickle files", "Researchers found them.",
                url="https://example.com/pickle"),
    ])
    assert store.get_watchlist("ai-security").query == PREVIOUS_DEFAULTS["ai-security"][-1]

    assert update_default_watchlists(store) == ["ai-security"]
    assert store.get_watchlist("ai-security").query == DEFAULT_WATCHLISTS["ai-security"]
    assert store.get_watchlist("ai-policy").query == edited  # the admin's edit is kept
    entry = store.audit_entries(limit=1)[0]
    assert (entry.actor, entry.action, entry.target) == ("aibrief", "watch.update-default", "ai-security")
    assert entry.before == {"query": PREVIOUS_DEFAULTS["ai-security"][-1]}
    # re-matched over what is stored: the old query missed this story, the new one has it
    wl = store.get_watchlist("ai-security")
    assert [h.title for h in store.watchlist_matches(wl.id, parse_watchlist(wl.query))] == [
        "Malicious models on AI model hub hide code in pickle files"]
    # a second start changes nothing
    assert update_default_watchlists(store) == []
    # and seeding on an already seeded database runs the update, not a second seed
    assert seed_default_watchlists(store) == []
