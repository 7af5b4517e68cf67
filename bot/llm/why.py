""""Why it matters": one machine-written sentence under each story of a digest's channel message.

Asked once per article (the cache is keyed by article id, model and prompt version, and
shared by replicas through the database), from the article's title and stored text only.
The digest never waits for it beyond AIBRIEF_LLM_DIGEST_SECONDS: a slow, failing or capped
model means the digest goes out on time without the lines.
"""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.llm.gateway import Gateway, Job
from bot.llm.prompts import VERSIONS, why_messages
from bot.llm.sanitize import why_line

log = logging.getLogger("aibrief.llm")

MAX_TOKENS = 100


def why_lines(store, settings: Settings, article_ids: list[int]) -> dict[int, str]:
    """Article id → its sentence, for those that have one now; {} when the model is off.
    Never raises: a bug here must not cost the digest."""
    gateway = Gateway.for_settings(store, settings)
    if gateway is None or not article_ids:
        return {}
    try:
        articles = store.get_articles(article_ids)
        jobs = [
            Job(gateway.key("why", str(aid), VERSIONS["why"], article_id=aid),
                why_messages(articles[aid]["title"], articles[aid]["summary"]), MAX_TOKENS, why_line)
            for aid in dict.fromkeys(article_ids) if aid in articles
        ]
        outcome = gateway.answers(jobs, budget_s=settings.llm_digest_seconds)
    except Exception:
        log.exception("why-it-matters lines failed; the digest goes without them")
        return {}
    return {int(key.subject): line for key, line in outcome.answers.items() if line}
