"""The default watchlists a new database starts with, and how an old database gets the new ones.

What each is for is the editor's brief (EDITORIAL.md in the steering docs; README "Default
watchlists"): an article belongs under a heading when its *main subject* is that heading's
topic. The queries say that with three devices:
- matching reads only the headline and the lead (bot/query.py `parse_watchlist`), so a word
  deep in the body never makes a match;
- an AI word must stand NEAR a security (or policy) word, not just somewhere in the same
  text: "AI" and "law" in one lead are two subjects, "AI law" is one;
- phrases that are AI security (or AI policy) by themselves — "prompt injection", deepfake,
  "AI Act", "export controls" on chips — match on their own.
Measured on the labelled set in bench/relevance/ (`bench/relevance.py`).

They are ordinary watchlists (editable and removable); they are seeded once, on first run,
and never re-added after an admin removes them. A database that still holds a default as it
was shipped earlier gets the current text (`update_default_watchlists`, audited); a watchlist
an admin edited is never touched.
"""

from __future__ import annotations

import logging

from bot.store import DuplicateError, Store

log = logging.getLogger(__name__)


def _group(*parts: str) -> str:
    """An OR-group of words and phrases (what a NEAR side may be)."""
    return "(" + " OR ".join(parts) + ")"


# Words that name AI: the field, model families, products and labs in the 2025–2026 news,
# and the word in the languages the sample feeds carry (IA, KI).
AI = _group(
    "AI", '"artificial intelligence"', '"machine learning"', "GenAI", "LLM", "LLMs",
    '"language model"', '"language models"', "chatbot*", '"AI agent"', "agentic",
    '"coding assistant"', '"coding assistants"', '"coding agent"', '"coding agents"', "Copilot",
    "ChatGPT", "OpenAI", "GPT", "Claude", "Anthropic", "Gemini", "DeepSeek", "Llama", "Mistral",
    "Grok", "xAI", "Perplexity", '"Hugging Face"', "MCP", '"model context protocol"',
    '"neural network"', '"foundation model"', '"frontier model"', '"frontier models"', "Midjourney",
    '"Stable Diffusion"', "Sora", "Ollama", "LangChain", "Langflow", '"AI model"', '"AI models"',
    "IA", "KI", '"intelligence artificielle"', '"künstliche Intelligenz"', '"inteligencia artificial"',
)

# Words whose subject is harm: attacks, crime, abuse, leaks, safety, surveillance.
SECURITY = _group(
    "secur*", "cybersecurity", "cyber", "cyberattack*", "attack*", "hack*", "breach*", "vulnerab*",
    "exploit*", "flaw", "flaws", "CVE", '"zero-day"', "malware", "ransomware", "phishing", "scam*",
    "fraud*", "espionage", "spy", "spying", "spies", "theft", "steal*", "stole", "stolen", "leak*",
    "exposed", "poison*", "backdoor*", "injection", "jailbreak*", '"red team"', '"red teaming"',
    "misuse", "abuse*", "impersonat*", "extortion", "disinformation", "misinformation", "propaganda",
    '"influence operation"', '"influence operations"', "surveillance", '"facial recognition"',
    "privacy", "safety", "unsafe", "harmful", "malicious", "threat", "threats", "sécurité",
    "cybersécurité", "attaque", "piratage", "hameçonnage", "fraude", "Sicherheit", "Angriff",
    "seguridad", "ataque",
)

# Words whose subject is the state acting: law, courts, regulators, diplomacy, trade controls.
POLICY = _group(
    "law", "laws", "lawmaker*", "legislat*", "regulat*", '"AI Act"', "bill", "bills",
    '"executive order"', "Congress", "Senate", "senator*", "parliament*", "MEPs", "minister*",
    "ministry", '"White House"', "government*", "federal", "court*", "lawsuit*", "sue", "sued",
    "sues", "suing", "judge", "ruling", "fined", "fines", "penalty", "ban", "bans", "banned",
    "banning", "prohibit*", '"export controls"', "export*", "sanction*", "treaty", "summit*", "G7",
    "G20", "OECD", '"United Nations"', "diplomac*", "diplomat*", "antitrust", "FTC", "DOJ", "CMA",
    '"European Commission"', "probe", "investigat*", "copyright", "GDPR", '"data protection"',
    "CNIL", "ICO", "policy", "policies", "governance", "governor", '"safety institute"',
    '"security institute"', "compliance", "restrict*", "loi", "règlement", "régulation", "sommet",
    "interdiction", "Gesetz", "Verordnung", "Regulierung", "ley",
)

# AI-security subjects that need no second word.
SECURITY_ON_ITS_OWN = _group(
    '"prompt injection"', '"prompt injections"', "jailbreak*", '"data poisoning"',
    '"model poisoning"', "deepfake*", '"deep fake"', '"deep fakes"', "nudify", '"undress app"',
    '"voice clone"', '"voice cloning"', '"cloned voice"', '"adversarial attack"',
    '"adversarial attacks"', '"adversarial examples"', '"model extraction"', '"model theft"',
    '"malicious model"', '"malicious models"',
)
MODEL_ASSETS = _group('"model weights"', '"AI model"', '"AI models"', '"proprietary model"', "distillation", "distill*")
TAKING = _group("steal*", "stole", "stolen", "theft", "leak*", "copy*", "copied", "exfiltrat*", "rival*", "illicit*", "unauthori*")

AI_POLICY_ON_ITS_OWN = _group(
    '"AI Act"', '"AI bill"', '"AI law"', '"AI laws"', '"AI regulation"', '"AI rules"', '"AI summit"',
    '"AI Safety Institute"', '"AI Security Institute"', '"AI treaty"', '"AI governance"',
)
TRADE_CONTROLS = _group('"export controls"', '"export control"', '"export rules"', '"export restrictions"', '"export curbs"', "sanction*")
CHIPS = _group("chip", "chips", "semiconductor*", "Nvidia", "GPU", "GPUs", "AI")
PEOPLE = _group("researchers", "executives", "leaders", "scientists", "experts", "engineers", "entrepreneurs")

DEFAULT_WATCHLISTS: dict[str, str] = {
    "ai-security": " OR ".join([
        SECURITY_ON_ITS_OWN,
        f"({AI} NEAR/8 {SECURITY})",
        f"({MODEL_ASSETS} NEAR/6 {TAKING})",
    ]),
    "ai-policy": " OR ".join([
        AI_POLICY_ON_ITS_OWN,
        f"({AI} NEAR/8 {POLICY})",
        f"({TRADE_CONTROLS} NEAR/8 {CHIPS})",
        f'(({AI} NEAR/4 {PEOPLE}) (travel OR visa OR visas))',
    ]),
    "prompt-injection": _group(
        '"prompt injection"', '"prompt injections"', '"indirect prompt"', "jailbreak*",
        '"data poisoning"', '"model poisoning"', '"training data poisoning"', '"poisoned data"',
        '"model extraction"', '"model stealing"', '"adversarial attack"', '"adversarial attacks"',
        '"adversarial examples"', '"adversarial inputs"', '"adversarial prompts"',
        f"((hidden OR invisible OR malicious OR crafted) NEAR/3 (text OR instructions OR prompt OR prompts OR commands) {AI})",
    ),
}

# Every text a default has shipped with, newest last: a stored watchlist equal to one of the
# older texts is still the default as shipped (nobody edited it) and is brought up to date.
PREVIOUS_DEFAULTS: dict[str, tuple[str, ...]] = {
    "ai-security": (
        '(AI OR "artificial intelligence" OR LLM OR "large language model" OR "machine learning" OR chatbot'
        ' OR deepfake OR "generative AI" OR GenAI) (security OR cybersecurity OR attack OR vulnerability OR hacker'
        ' OR breach OR malware OR espionage OR jailbreak OR "prompt injection" OR phishing OR ransomware)',
    ),
    "ai-policy": (
        '(AI OR "artificial intelligence" OR LLM OR "large language model" OR "machine learning" OR chatbot'
        ' OR deepfake OR "generative AI" OR GenAI) (regulation OR regulator OR policy OR law OR legislation OR ban'
        " OR export OR sanctions OR government OR congress OR treaty OR executive OR travel)",
    ),
    "prompt-injection": (
        '"prompt injection" OR jailbreak OR "data poisoning" OR "model theft" OR "adversarial attack"',
    ),
}

SEEDED_KEY = "default_watchlists_seeded"
UPDATE_ACTOR = "aibrief"  # how the audit log names the bot's own changes


def seed_default_watchlists(store: Store) -> list[str]:
    """Add the defaults once per database; returns the names added (empty after the first run).
    On a database seeded earlier, brings unedited defaults up to date instead."""
    if store.get_meta(SEEDED_KEY):
        update_default_watchlists(store)
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


def update_default_watchlists(store: Store) -> list[str]:
    """Replace each default that still holds an earlier shipped text by the current one,
    re-matching what is stored; audited. Returns the names updated."""
    updated = []
    for name, query in DEFAULT_WATCHLISTS.items():
        before = store.replace_watchlist_query(name, query, only_if=PREVIOUS_DEFAULTS.get(name, ()))
        if before is not None:
            store.audit(UPDATE_ACTOR, "watch.update-default", name, {"query": before}, {"query": query})
            log.info("default watchlist %s updated to the current default", name)
            updated.append(name)
    return updated
