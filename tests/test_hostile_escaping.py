"""Text from feeds leaves the bot only as harmless text: a property test over every payload.

Hypothesis makes titles, summaries, source names, feed URLs, article URLs and error texts
out of mrkdwn's control characters and Slack's mention syntax (`<!channel>`, `<@U…>`,
`<#C…>`, `<!subteam^…>`, `<url|label>`), formatting marks, zero-width and bidi controls.
They go into a real store; then the three payloads built from it are checked: a search
reply (bot.slack.blocks.search_results), a digest (bot.digest.service.render_digest, the
default template) and the App Home view (bot.slack.blocks.home_view).

In every mrkdwn string of those payloads, every `<` must open a token we made ourselves:
a link whose target is one of the stored URLs (percent-encoding aside) and whose label,
unescaped, is the text the feed gave for it — title, source, or "source: title" — whole
or cut with "…" (or the link's own address, when that text is empty once shown); a `<!date^…>` token; or the subscribed channel's `<#C…>`. So no feed
can ping anyone, and no link can say one thing and lead elsewhere. No payload string
carries a bidi or zero-width control.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.digest.service import render_digest
from bot.feeds.normalize import SOURCE_LIMIT, SUMMARY_LIMIT, TITLE_LIMIT, plain_text
from bot.models import Article
from bot.query import parse
from bot.slack import blocks
from bot.store import open_store

CHANNEL = "C0HOSTILE1"
MARKER = "zebra"  # every story carries it, so the watchlist and the search find them all

TOKENS = [
    "<", ">", "&", "|", "&amp;", "&lt;", "&gt;", "&#60;", "<!channel>", "<!here>", "<!everyone>",
    "<!here|here>", "<@U024BE7LH>", "<@W0ABC|bob>", "<#C024BE7LH>", "<#C024BE7LH|general>",
    "<!subteam^S012AB3CD>", "<!subteam^S012AB3CD|@security>", "<!date^1392734382^{date}|x>",
    "<https://evil.example/|click me>", "<mailto:a@evil.example|mail>", "*", "_", "`", "```", "~", ">",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c",
    "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u061c", "\u00ad", "שלום", "مرحبا",
    " ", "  ", "\t", "\n", "AI", "security",
]
# What may not survive into any payload: bidi controls and invisible characters that can
# reorder or hide text (ZWNJ/ZWJ are kept: scripts and emoji need them).
FORBIDDEN = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

nasty = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)),
    max_size=10,
).map("".join)
path = st.lists(st.sampled_from(["a", "b", "|", ">", "<", "&", "%7C", " ", '"', "*", "_", "?x=1&y=2", "#f",
                                 "!channel", "@U1", "\u202e", "é"]), max_size=8).map("".join)
article_url = st.one_of(
    path.map(lambda p: "https://news.example/" + p),
    path.map(lambda p: "http://news.example:8080/" + p),
    st.sampled_from(["javascript:alert(1)", "data:text/html,<b>x</b>", "not a url", "https://", "ftp://x/y"]),
)


@st.composite
def stories(draw):
    n = draw(st.integers(min_value=1, max_value=5))
    out = []
    for i in range(n):
        out.append({
            "title": draw(nasty),
            "summary": draw(nasty),
            "source": draw(nasty),
            "url": draw(article_url) + f"#{i}" if draw(st.booleans()) else draw(article_url),
            "feed": "https://feeds.example/" + draw(path) + f"/{i}",
            "error": draw(st.none() | nasty),
        })
    return out


def store_stories(store, raw: list[dict], now: datetime) -> list[Article]:
    """What a poll would store: text normalized as the feed stage does (plain text, capped)."""
    articles = []
    for i, s in enumerate(raw):
        source = plain_text(s["source"], SOURCE_LIMIT) or "unnamed"
        feed = store.add_feed(s["feed"], source)
        title = plain_text(f"{s['title']} {MARKER}", TITLE_LIMIT)
        article = Article(
            feed_url=feed.url, source=source, url=s["url"], title=title,
            summary=plain_text(f"{s['summary']} {MARKER}", SUMMARY_LIMIT),
            published=now - timedelta(minutes=10 + i), dedupe_key=f"hash:{i}",
        )
        store.insert_articles(feed.id, [article], now=int(now.timestamp()))
        if s["error"] is not None:
            store.record_poll_error(feed.id, s["error"] or "?", now=int(now.timestamp()), next_poll=0)
        articles.append(article)
    return articles


# ---- reading the payloads -------------------------------------------------------------------------
def mrkdwn_strings(payload):
    """Every string Slack reads as mrkdwn: mrkdwn text objects and a message's `text`."""
    if isinstance(payload, dict):
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            yield payload["text"]
        if isinstance(payload.get("text"), str) and "blocks" in payload:
            yield payload["text"]  # a message's fallback text
        for value in payload.values():
            yield from mrkdwn_strings(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from mrkdwn_strings(value)


def all_strings(payload):
    if isinstance(payload, str):
        yield payload
    elif isinstance(payload, dict):
        for value in payload.values():
            yield from all_strings(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from all_strings(value)


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def shown(text: str) -> str:
    """How a label shows feed text: bidi/zero-width controls dropped, `|` (which would end
    the label) drawn as `¦`."""
    return FORBIDDEN.sub("", text).replace("|", "¦")


def label_matches(label: str, said: str) -> bool:
    """`label` is `said` as shown, whole or cut short with an ellipsis. Matched words may be
    in bold (`*…*`, bot.mrkdwn.emphasize), where a feed's own `*` shows as `∗`: stars of
    either kind do not count."""
    label = label.replace("*", "").replace("\u2217", "")
    want = shown(said).replace("*", "").replace("\u2217", "")
    if label == want:
        return True
    return label.endswith("…") and len(label) > 1 and want.startswith(label[:-1].rstrip())


TOKEN = re.compile(r"<([^<>]*)>")
DATE = re.compile(r"!date\^\d+\^[^|^]+\|[^|]*")


def check_payload(payload, labels_by_url: dict[str, list[str]], what: str) -> None:
    for text in all_strings(payload):
        assert not FORBIDDEN.search(text), f"{what}: a bidi/zero-width control survived in {text!r}"
    for text in mrkdwn_strings(payload):
        # every "<" opens a whole token, every ">" closes one
        stripped = re.sub(r"(?m)^> ", "", TOKEN.sub("", text))  # "> " opening a line is our quote
        assert "<" not in stripped and ">" not in stripped, f"{what}: stray < or > in {text!r}"
        for m in TOKEN.finditer(text):
            inner = m.group(1)
            if DATE.fullmatch(inner) or inner == f"#{CHANNEL}":
                continue
            assert not inner.startswith(("!", "@", "#")), f"{what}: live mention {m.group(0)!r} in {text!r}"
            target, bar, label = inner.partition("|")
            assert bar, f"{what}: a bare link {m.group(0)!r}"
            url = unquote(unescape(target))
            assert url in labels_by_url, f"{what}: link to {url!r}, which no feed gave (in {text!r})"
            said = labels_by_url[url]
            if unescape(label) == unescape(target):
                continue  # labelled with its own address (the feed's text was empty once shown)
            assert any(label_matches(unescape(label), s) for s in said), (
                f"{what}: link label {unescape(label)!r} is none of {said!r}"
            )


def link_labels(stored: list[Article], feeds) -> dict[str, list[str]]:
    """Each http(s) URL that may appear as a link target, with the label texts allowed for it."""
    out: dict[str, list[str]] = {}
    for a in stored:
        key = unquote(FORBIDDEN.sub("", a.url.strip()))
        out.setdefault(key, []).extend([a.title, a.source, f"{a.source}: {a.title}"])
    for f in feeds:
        out.setdefault(unquote(FORBIDDEN.sub("", f.url.strip())), []).append(f.url.strip())
    return out


_counter = itertools.count()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raw=stories(), query_text=nasty)
@example(  # a source name that is nothing but an invisible character: the link shows its address
    raw=[{"title": "", "summary": "", "source": "\u2060", "url": "https://news.example/", "feed": "https://feeds.example//0",
          "error": None}],
    query_text="<!channel>",
)
def test_no_payload_pings_anyone_or_forges_a_link(tmp_path, raw, query_text):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    store = open_store(str(tmp_path / f"escape-{next(_counter)}.db"))
    try:
        stored = store_stories(store, raw, now)
        store.add_watchlist("zebra", MARKER)
        labels = link_labels(stored, store.list_feeds())

        # search: the slash command's reply, and the user's own query text echoed back
        node = parse(MARKER)
        hits = store.search(node, limit=blocks.PAGE_SIZE)
        assert hits, "the stories were stored and indexed"
        reply = blocks.search_results(query_text or MARKER, hits, store.count_matching(node))
        check_payload(reply, labels, "search reply")
        check_payload(blocks.no_results(query_text), labels, "no-results reply")
        check_payload(blocks.watch_test(query_text, hits, len(hits)), labels, "watch test reply")

        # digest: what the channel would be sent (channel message and thread)
        digest = render_digest(store, Settings(), CHANNEL, now + timedelta(seconds=1))
        assert not digest.empty and not digest.errors, digest.errors
        for message in digest.messages:
            check_payload({"text": message.text, "blocks": message.blocks}, labels, "digest")

        # App Home: feed health (titles, URLs, last errors) and schedules
        rows = [blocks.ScheduleRow(channel=CHANNEL, at="09:00", tz="UTC", next_run=now, last_error=raw[0]["title"])]
        home = blocks.home_view(store.list_watchlists(), store.watchlist_match_counts(), store.list_feeds(), rows,
                                is_admin=True, now=now)
        check_payload(home, labels, "App Home")
        json.dumps(home)  # and everything is still plain JSON
    finally:
        store.close()


def test_the_checker_catches_what_it_must():
    """The property is only as good as its checker: a raw mention, a forged label and a
    link to somewhere no feed named all fail it."""
    labels = {"https://news.example/a": ["Real title"]}
    for bad in ["hello <!channel>", "<@U024BE7LH> hi", "<https://news.example/a|Other title>",
                "<https://evil.example/|Real title>", "a < b", "x\u202ey"]:
        try:
            check_payload({"type": "mrkdwn", "text": bad}, labels, "probe")
        except AssertionError:
            continue
        raise AssertionError(f"the checker let {bad!r} through")
    check_payload({"type": "mrkdwn", "text": "<https://news.example/a|Real title> &lt;!channel&gt;"}, labels, "ok")
    check_payload({"type": "mrkdwn", "text": "<https://news.example/a|Real…>"}, labels, "cut")
