"""The default watchlists a new database starts with: AI terms together with security or policy terms.

They are ordinary watchlists (editable and removable); they are seeded once, on first run, and
never re-added after an admin removes them.
"""

from __future__ import annotations

from bot.store import DuplicateError, Store

AI = '(AI OR "artificial intelligence" OR LLM OR "large language model" OR "machine learning" OR chatbot OR deepfake OR "generative AI" OR GenAI)'

DEFAULT_WATCHLISTS: dict[str, str] = {
    "ai-security": AI + " (security OR cybersecurity OR attack OR vulnerability OR hacker OR breach"
    ' OR malware OR espionage OR jailbreak OR "prompt injection" OR phishing OR ransomware)',
    "ai-policy": AI + " (regulation OR regulator OR policy OR law OR legislation OR ban OR export"
    " OR sanctions OR government OR congress OR treaty OR executive OR travel)",
    "prompt-injection": '"prompt injection" OR jailbreak OR "data poisoning" OR "model theft" OR "adversarial attack"',
}

SEEDED_KEY = "default_watchlists_seeded"


def seed_default_watchlists(store: Store) -> list[str]:
    """Add the defaults once per database; returns the names added (empty after the first run)."""
    if store.get_meta(SEEDED_KEY):
        return []
    added = []
    for name, query in DEFAULT_WATCHLISTS.items():
        if store.get_watchlist(name) is None:
            try:
                store.add_watchlist(name, query)
            except DuplicateError:  # another replica starting at the same moment seeded it
                continue
            added.append(name)
    store.set_meta(SEEDED_KEY, "1")
    return added
