"""`aibrief ask QUESTION`: a short answer from stored articles, citing them (bot/llm/ask.py)."""

from __future__ import annotations

import json
import sys

from bot.cli.common import UsageError, open_store
from bot.cli.output import shown
from bot.config import Settings


def register(sub) -> None:
    s = sub.add_parser("ask", help="(model features) a short answer from stored articles, citing them")
    s.add_argument("question", nargs="+", help="e.g. what happened with prompt injection in coding assistants?")
    s.add_argument("--json", action="store_true", help="one JSON object: status, answer, articles")
    s.set_defaults(func=cmd_ask)


def cmd_ask(args, settings: Settings) -> int:
    """Exit 0 with an answer or "I found nothing on that"; 1 when the model is unavailable
    (the search hits are still printed)."""
    from bot.llm.ask import ask

    question = " ".join(args.question).strip()
    if not question:
        raise UsageError("ask needs a question")
    store = open_store(settings, default_feeds=False)
    result = ask(store, settings, question)
    print_answer(result, args.json)
    return 1 if result.status == "unavailable" else 0


def print_answer(result, as_json: bool, out=None) -> None:
    from bot.llm.ask import NOTHING, UNAVAILABLE

    out = out or sys.stdout
    if as_json:
        print(json.dumps({"question": result.question, "status": result.status, "answer": result.text,
                          "reason": result.reason or None, "articles": [h.as_json() for h in result.hits]},
                         ensure_ascii=False, indent=2), file=out)
        return
    if result.status == "nothing":
        print(NOTHING, file=out)
        return
    if result.status == "unavailable":
        why = "the model features are off (AIBRIEF_LLM_URL, AIBRIEF_LLM_MODEL)" if result.reason == "off" else result.reason
        print(shown(f"{UNAVAILABLE} ({why}). What search found:"), file=out)
    else:
        print("Answer (machine-written, from the articles below):", file=out)
        for line in result.text.splitlines():
            print(shown(f"  {line}"), file=out)
        print("Sources:", file=out)
    for n, h in enumerate(result.hits, 1):
        print(shown(f"  [{n}] {h.title} — {h.source}, {h.published:%Y-%m-%d}"), file=out)
        print(shown(f"      {h.url}"), file=out)
