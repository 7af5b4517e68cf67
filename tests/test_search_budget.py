"""A search cannot run for long: a prefix that expands to too many index words is refused
before it runs, and whatever still runs past the time budget is stopped by the database —
on both backends, through the same `bot.search.search` the CLI and Slack call."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

import bot.search
import bot.store.base
from bot.cli import main
from bot.models import Article
from bot.search import search
from bot.store import QueryTooBroad
from bot.store.topk import COUNT_CAP

NOW = datetime(2025, 3, 1, tzinfo=timezone.utc)
# Words the stemmers of both backends leave as they are, all starting with "zork".
ZORK = [f"zork{c}" for c in "bcdfghjklmnp"]
FILLER = ("market deal court vote storm policy travel china chip export model attack security report "
          "minister trade border energy").split()


def _articles(n: int, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = [rng.choice(FILLER) for _ in range(rng.randint(20, 60))]
        out.append(Article(feed_url="https://f.example/", source="S", url=f"https://f.example/{i}",
                           title=" ".join(words[:6]), summary=" ".join(words[6:] + ZORK),
                           published=NOW - timedelta(hours=i), dedupe_key=f"url:{i}"))
    return out


@pytest.fixture
def filled(store):
    store.insert_articles(None, _articles(3000))
    if store.backend == "postgresql":
        store._all("ANALYZE articles")  # what autovacuum does on a real database
    return store


def test_a_prefix_that_expands_to_too_many_words_is_refused_before_it_runs(filled, monkeypatch):
    # The limit is per language: the filler's word salad is detected as a language or two
    # besides English, each holding its own (marked) form of the zork words on SQLite
    # (bot/langindex.py), and those forms do not add up with the English ones (PostgreSQL
    # stems each language in its own configuration: the same lexeme).
    if filled.backend == "sqlite":
        assert filled.marked_languages()  # else this test would not test that
    per_word = 1
    words = len(ZORK)
    monkeypatch.setattr(bot.store.base, "MAX_PREFIX_TERMS", words - 1)
    with pytest.raises(QueryTooBroad) as err:
        search(filled, "security zork*")
    assert str(err.value) == (f"this query is too broad: `zork*` matches more than {words - 1} words; "
                              "use a longer prefix")
    with pytest.raises(QueryTooBroad):  # an excluded prefix costs the same
        search(filled, "security -zork*")
    # at the cap, and for a longer prefix, the search runs
    monkeypatch.setattr(bot.store.base, "MAX_PREFIX_TERMS", words)
    assert search(filled, "security zork*").total > 0
    monkeypatch.setattr(bot.store.base, "MAX_PREFIX_TERMS", per_word)
    assert search(filled, "zorkb*").total == COUNT_CAP + 1  # 3,000 match: counted as "1,000+"


def test_a_search_past_its_time_budget_is_stopped_with_a_clear_error(filled, monkeypatch):
    query = "mar* OR dea* OR cou* OR vot* OR sto* OR pol* OR tra* OR chi* OR zork*"
    assert search(filled, query).total == COUNT_CAP + 1  # with the default budget it completes (3,000: "1,000+")
    monkeypatch.setattr(bot.search, "SEARCH_BUDGET_S", 0.001)
    with pytest.raises(QueryTooBroad) as err:
        search(filled, query)
    assert str(err.value).startswith("this query is too broad: it did not finish within 0.001 s")
    # the connection is left as it was: the next search (normal budget) works
    monkeypatch.setattr(bot.search, "SEARCH_BUDGET_S", 2.0)
    assert search(filled, "china zorkb").total > 0


def test_cli_answers_a_too_broad_query_in_one_line_with_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIBRIEF_DATABASE", str(tmp_path / "db.sqlite"))
    from bot.store import open_store

    s = open_store(str(tmp_path / "db.sqlite"))
    s.insert_articles(None, _articles(1500))
    s.close()
    monkeypatch.setattr(bot.search, "SEARCH_BUDGET_S", 0.001)
    code = main(["search", "mar* OR dea* OR cou* OR vot* OR sto* OR pol* OR tra* OR chi*"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("aibrief: this query is too broad: it did not finish within 0.001 s")
    assert err.count("\n") == 1 and "Traceback" not in err
    monkeypatch.setattr(bot.search, "SEARCH_BUDGET_S", 2.0)
    code = main(["search", "a* OR b*"])
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1
    assert '"a*" is too short: a prefix needs at least 3 letters' in err
