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
    "o3", "Agentforce", "deepfak*", "nudify", '"computer vision"', '"facial recognition"',
    '"diffusion model"', '"diffusion models"', '"chat models"', '"vision-language"', "safetensors",
    "Replika", '"Windows Recall"',
    "IA", "KI", '"intelligence artificielle"', '"künstliche Intelligenz"', '"inteligencia artificial"',
)

# In research titles the subject is often just "models".
AI_OR_MODELS = _group(
    "AI", "model", "models", "generative", "LLM", "LLMs", "chatbot*", "agent", "agents", "agentic",
    "GPT", "ChatGPT", "Claude", "Gemini", "Copilot", '"language model"', '"language models"',
)

# Words whose subject is harm: attacks, crime, abuse, leaks, theft. Near an AI word in the
# headline or lead they make the article an AI-security story.
SECURITY = _group(
    "secur*", "cybersecurity", "cyber", "cyberattack*", "attack*", "hack*", "breach*", "vulner*",
    "exploit*", "flaw", "flaws", "CVE", '"zero-day"', '"zero-click"', "malware",
    "ransomware", "phishing", "scam*", "fraud*", "espionage", "spy", "spying", "spies", "theft",
    "steal*", "stole", "stolen", "leak*", "exposed", "poison*", "backdoor*", "injection",
    "jailbr*", '"red team"', '"red teaming"', "misuse", "abus*", "imperson*", "impostor*",
    "mimic*", "cloning", "cloned", "extortion", "disinformation", "misinformation", "propaganda",
    "covert", '"influence operation"', '"influence operations"', "doxx*", "geoloc*",
    "secrets", "credentials", "passwords", '"API keys"', '"sensitive data"', "unsafe",
    "guardrails", "suicide", "suicidal", '"self-harm"', '"wrongful death"', "delus*", "psychosis",
    "antisemit*", "extremist", "extremists", "extremism", "sexual*", "sensual", "nude", "nudes",
    "CSAM", "malicious", "trick*", "fool*", "hijack*", "takeover", "weapon*",
    "evade", "evasion", "sabotag*", "passports",
    "sécurité", "cybersécurité", "attaque", "piratage", "hameçonnage", "fraude", "Sicherheit",
    "Sicherheitslücke*", "Schadcode", "Schadsoftware", "Angriff", "seguridad", "ataque",
)
# Words that are about risk only when they stand right by the AI word or in the headline:
# "AI safety" is the subject, "… safety rules, data protection and surveillance" in an AI-law
# lead is a list of what the law covers.
RISK_IN_TITLES = (
    "safety", "privacy", "surveillance", '"facial recognition"', "biometr*", '"data protection"',
    "watchdog", '"personal data"', "explicit", "minors", "teens",
)
RISK = _group(*RISK_IN_TITLES, "private", "threat", "threats", "harm", "harms")

# Words whose subject is the state acting: law-making, courts, regulators, diplomacy, trade.
POLICY = _group(
    "lawmak*", "legisl*", "regulation", "regulations", "regulate", "regulates", "regulating",
    "regulator", "regulators", "regulatory", '"AI Act"', "bill", "bills", '"executive order"',
    "Congress", "Senate", "senator", "senators", "MEPs", '"White House"', "lawsuit*", "sue",
    "sued", "sues", "suing", "jury", "convicted", "indicted", "prosecutor*", '"legal action"',
    "smuggl*", "penalty", "penalties", "prohibit*", '"export controls"', '"export control"',
    "sanction*", "treaty", "summit*", "G7", "G20", "OECD", '"United Nations"', "diplomac*",
    "diplomat*", "antitrust", "FTC", "DOJ", "CMA", "JFTC", '"competition authority"', "Ofcom", "Brussels", '"European Commission"',
    "EU", "probe", "investig*", "copyright", "GDPR", '"data protection"', "watchdog", "CNIL",
    "ICO", '"AI policy"', "compliance", "restrict*", "loi", "règlement", "régulation", "sommet",
    "Gesetz", "Verordnung", "Regulierung", "ley",
)
# Words that are about the state only right by the AI word or in a headline with it: "law"
# is also Big Law and Moore's law, "ban" also a platform banning accounts, "minister" also
# the victim of a voice clone.
POLICY_NEARBY = _group(
    "law", "laws", "ban", "bans", "banned", "banning", "block", "blocks", "blocked", "govern*",
    "minist*", "parliament*", "court*",
)

# AI-security subjects that need no second word.
SECURITY_ON_ITS_OWN = _group(
    '"prompt injection"', '"prompt injections"', '"data poisoning"',
    '"model poisoning"', "deepfak*", '"deep fake"', '"deep fakes"', "nudify", '"undress app"',
    '"voice clone"', '"voice cloning"', '"cloned voice"', '"adversarial attack"',
    '"adversarial attacks"', '"adversarial examples"', '"model extraction"', '"model theft"',
    '"malicious model"', '"malicious models"', '"facial recognition"', '"AI safety"',
)
MODEL_ASSETS = _group('"model weights"', '"AI model"', '"AI models"', '"proprietary model"', "distillation", "distil*")
TAKING = _group("steal*", "stole", "stolen", "theft", "leak*", "copying", "copied", "copies", "exfiltr*", "rival*", "illicit*", "unauthor*")

AI_POLICY_ON_ITS_OWN = _group(
    '"AI Act"', '"AI bill"', '"AI law"', '"AI laws"', '"AI regulation"', '"AI rules"', '"AI summit"',
    '"AI treaty"', '"AI governance"', 'title:"AI Safety Institute"', 'title:"AI Security Institute"',
)
TRADE_CONTROLS = _group("export", "exports", "exported", "sanction*", "smuggl*", "illegal*", "tariff*", "curbs")
CHIPS = _group("chip", "chips", "semiconductor*", "Nvidia", "GPU", "GPUs", '"AI accelerators"')
# Passing a law is the subject whatever the law is called ("Take It Down Act").
ENACTING = _group("sign", "signs", "signed", "pass", "passes", "passed", "approve*", "enact*", "veto*", "adopt*")
LAW_TEXTS = _group("act", "bill", "law", "order", "treaty", "rules", "regulation")
PEOPLE = _group("researchers", "executives", "leaders", "scientists", "experts", "engineers", "entrepreneurs", "staff")

# Attacks that steer or break a model through its input; all of them are AI security too.
PROMPT_INJECTION = _group(
        '"prompt injection"', '"prompt injections"', '"indirect prompt"', f"(jailbr* {AI_OR_MODELS})",
        '"data poisoning"', '"model poisoning"', '"training data poisoning"', '"poisoned data"',
        '"poisoned documents"', '"model extraction"', '"model stealing"',
        "((distil* OR extract*) NEAR/8 (rival* OR OpenAI OR Claude OR Gemini OR competitor* OR accus* OR illicit* OR unauthor* OR frontier OR API OR APIs))",
        f"(poison* NEAR/4 (training OR dataset OR datasets OR data OR images OR fine-tuning OR {AI_OR_MODELS[1:-1]}))",
        f"(adversarial NEAR/5 {AI_OR_MODELS})",
        f"('red team' NEAR/8 {AI_OR_MODELS})".replace("'", '"'),
        '"adversarial attack"', '"adversarial attacks"', '"adversarial examples"',
        '"adversarial inputs"', '"adversarial prompts"', '"lethal trifecta"', '"ASCII smuggling"',
        f"((hidden OR invisible OR malicious OR crafted OR white) NEAR/3 (text OR instructions OR prompt OR prompts OR commands OR characters) {AI})",
        f"(({AI}) NEAR/6 (trick* OR fool* OR hijack* OR bypass*))",
        "((agent OR agents OR agentic OR browser OR browsers OR assistant OR assistants) NEAR/4 steer*)",
)

DEFAULT_WATCHLISTS: dict[str, str] = {
    "ai-security": " OR ".join([
        SECURITY_ON_ITS_OWN,
        PROMPT_INJECTION,
        f"({AI} NEAR/8 {SECURITY})",
        f"({AI} NEAR/3 {RISK})",
        f"(title:{AI} title:{_group(*RISK_IN_TITLES)})",
        f"({MODEL_ASSETS} NEAR/6 {TAKING})",
        f'(({AI} NEAR/4 {PEOPLE}) (travel OR visa OR visas OR passports))',
    ]) + ' -"job security" -"heart attack" -"heart attacks"',
    "ai-policy": " OR ".join([
        AI_POLICY_ON_ITS_OWN,
        f"(({AI} NEAR/10 {POLICY}) title:({AI} OR {POLICY}))",
        f"({AI} NEAR/3 {POLICY_NEARBY})",
        f"(title:{AI} title:{POLICY_NEARBY})",
        f"({TRADE_CONTROLS} NEAR/8 {CHIPS})",
        f'(({AI} NEAR/4 {PEOPLE}) (travel OR visa OR visas OR passports))',
        f"({ENACTING} NEAR/3 {LAW_TEXTS} {AI})",
    ]),
    "prompt-injection": PROMPT_INJECTION,
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
