"""Ask the archive (`aibrief ask QUESTION`, `/aibrief ask QUESTION`): search, then the model
writes a short answer from the articles found, citing them by number.

Search first, with the public search function (bot/search.py), so `ask` finds what search
finds: the question as typed when it is a valid query with hits, else its content words
ORed (a question in plain words is rarely a good AND query). Nothing found → "I found
nothing on that", and the model is not asked. The links shown are the search hits' own;
the model's text loses any address or mention it wrote (bot/llm/sanitize.py). With the
model off, failing or over its cap, the hits are still shown, under "the model is
unavailable".
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from bot.config import Settings
from bot.llm.gateway import Gateway, Job
from bot.llm.prompts import VERSIONS, ask_messages
from bot.llm.sanitize import answer_text
from bot.query import QueryError
from bot.search import search
from bot.store import QueryTooBroad

ASK_HITS = 8
QUESTION_MAX = 500
MAX_TOKENS = 400
NOTHING = "I found nothing on that."
UNAVAILABLE = "The model is unavailable"

# Words that carry no subject in a question; the rest are searched for.
_STOP = frozenset("""
a an the and or not near of in on at to for from by with about into over as is are was were be been being
do does did done has have had what which who whom whose when where why how than then that this these those
there here it its it's i me my we our you your they them their he she his her any some all most more much
many can could would should will shall may might must tell show give find know anything something latest
recent news article articles say said says happen happened happening going please also just there's
""".split())
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class AskAnswer:
    question: str
    hits: list = field(default_factory=list)  # bot.models.SearchHit, numbered from 1
    text: str | None = None  # the model's answer, plain text (escape it where shown)
    status: str = "answered"  # answered | nothing | unavailable
    reason: str = ""  # why unavailable: "off" or the failure's one line


def loose_query(question: str) -> str:
    """The question's content words, ORed, as a query ('' when none is left)."""
    words = [w for w in _WORD.findall(question) if w.lower() not in _STOP and w.upper() not in ("OR", "AND", "NOT", "NEAR")
             and (len(w) > 1 or w.isdigit())]
    return " OR ".join(dict.fromkeys(w.lower() for w in words))


def find(store, question: str, limit: int = ASK_HITS) -> list:
    """The search hits an answer may use: the question as a query, else its words ORed."""
    try:
        hits = search(store, question, limit=limit).hits
    except (QueryError, QueryTooBroad):
        hits = []
    if hits:
        return hits
    query = loose_query(question)
    if not query:
        return []
    try:
        return search(store, query, limit=limit).hits
    except (QueryError, QueryTooBroad):
        return []


def ask(store, settings: Settings, question: str) -> AskAnswer:
    question = " ".join(question.split())[:QUESTION_MAX]
    hits = find(store, question)
    if not hits:
        return AskAnswer(question, [], None, "nothing")
    gateway = Gateway.for_settings(store, settings)
    if gateway is None:
        return AskAnswer(question, hits, None, "unavailable", "off")
    texts = store.get_articles([h.article_id for h in hits])
    articles = [{"title": h.title, "source": h.source, "published": h.published,
                 "text": (texts.get(h.article_id) or {}).get("summary", h.snippet)} for h in hits]
    subject = hashlib.sha256(
        (question.lower() + "\n" + ",".join(str(h.article_id) for h in hits)).encode()
    ).hexdigest()
    key = gateway.key("ask", subject, VERSIONS["ask"])
    job = Job(key, ask_messages(question, articles), MAX_TOKENS, lambda raw: answer_text(raw, len(hits)))
    outcome = gateway.answers([job], budget_s=settings.llm_timeout_s)
    text = outcome.answers.get(key)
    if not text:
        error = outcome.errors.get(key)
        return AskAnswer(question, hits, None, "unavailable", str(error) if error else "it gave no usable answer")
    return AskAnswer(question, hits, text, "answered")
