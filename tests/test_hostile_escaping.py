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
from urllib.parse import unquote, urlsplit

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.digest.service import render_digest
from bot.feeds.normalize import SOURCE_LIMIT, SUMMARY_LIMIT, TITLE_LIMIT, plain_text
from bot.models import Article
from bot.query import parse
from bot.redact import link_target, masked_url, public_url
from bot.slack import blocks
from bot.store import open_store

CHANNEL = "C0HOSTILE1"
SHARER = "U0SHARER"  # who pressed Share: the one mention a payload may carry
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
            if DATE.fullmatch(inner) or inner in (f"#{CHANNEL}", f"@{SHARER}"):
                continue
            assert not inner.startswith(("!", "@", "#")), f"{what}: live mention {m.group(0)!r} in {text!r}"
            target, bar, label = inner.partition("|")
            assert bar, f"{what}: a bare link {m.group(0)!r}"
            url = unquote(unescape(target))
            assert url in labels_by_url, f"{what}: link to {url!r}, which no feed gave (in {text!r})"
            said = labels_by_url[url]
            if unescape(label) == unescape(target):
                continue  # labelled with its own address (the feed's text was empty once shown)
            host = target_host(url)
            if host and label.endswith(f" ({host})"):
                label = label[: -len(f" ({host})")]  # the real domain, after a label naming another
            else:
                assert not names_another_host(unescape(label), host), (
                    f"{what}: link label {unescape(label)!r} names another address than its target {url!r}"
                )
            assert any(label_matches(unescape(label), s) for s in said), (
                f"{what}: link label {unescape(label)!r} is none of {said!r}"
            )


def link_labels(stored: list[Article], feeds) -> dict[str, list[str]]:
    """Each http(s) URL that may appear as a link target, with the label texts allowed for it.
    A feed's link leads to its scheme, host and path only, labelled with host and path (for
    members) or with its userinfo and query values masked (for admins): bot.redact."""
    out: dict[str, list[str]] = {}
    for a in stored:
        key = unquote(FORBIDDEN.sub("", a.url.strip()))
        out.setdefault(key, []).extend([a.title, a.source, f"{a.source}: {a.title}"])
    for f in feeds:
        url = FORBIDDEN.sub("", f.url.strip())
        out.setdefault(unquote(link_target(url).strip()), []).extend([public_url(url), masked_url(url)])
    return out


def target_host(url: str) -> str:
    """The domain the bot appends to a label that names another address (Punycode, no www.)."""
    host = (urlsplit(url).hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    return host if host.isascii() else host.encode("idna").decode()


# An independent, simpler reading of "names an address": a scheme's `://`, or a dotted
# ASCII name ending in letters. (The bot's own rule also reads other scripts and dots.)
_ADDRESS = re.compile(r"(?i)[a-z][a-z0-9+.-]*://([^\s/?#|<>]*)|(?<![\w.-])((?:[a-z0-9-]+\.)+[a-z]{2,})(?![\w-])")


def names_another_host(label: str, host: str) -> bool:
    for m in _ADDRESS.finditer(label):
        named = (m.group(1).rpartition("@")[2].split(":")[0] if m.group(1) is not None else m.group(2)).lower()
        named = named[4:] if named.startswith("www.") else named
        if named and named != host:
            return True
    return False


_counter = itertools.count()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raw=stories(), query_text=nasty)
@example(  # a space hidden behind a bidi control at the end of a feed's path: trimmed like any other
    raw=[{"title": "", "summary": "", "source": "", "url": "https://news.example/",
          "feed": "https://feeds.example/ \u202e?x=1&y=2/0", "error": None}],
    query_text="",
)
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
        member_home = blocks.home_view(store.list_watchlists(), store.watchlist_match_counts(), store.list_feeds(),
                                       rows, is_admin=False, now=now)
        check_payload(member_home, labels, "App Home (member)")
        check_payload(blocks.feeds_list(store.list_feeds(), now, admin=False), labels, "feeds list (member)")
        check_payload(blocks.feeds_list(store.list_feeds(), now, admin=True), labels, "feeds list (admin)")
        for a in stored:
            shared = blocks.shared_result({"title": a.title, "url": a.url, "source": a.source}, SHARER)
            check_payload(shared, labels, "Share")
    finally:
        store.close()


def test_the_checker_catches_what_it_must():
    """The property is only as good as its checker: a raw mention, a forged label and a
    link to somewhere no feed named all fail it."""
    labels = {"https://news.example/a": ["Real title"]}
    labels["https://evil.example/phish"] = ["https://accounts.google.com/login hello", "paypal.com security notice"]
    for bad in ["hello <!channel>", "<@U024BE7LH> hi", "<https://news.example/a|Other title>",
                "<https://evil.example/|Real title>", "a < b", "x\u202ey",
                "<https://evil.example/phish|https://accounts.google.com/login hello>",
                "<https://evil.example/phish|paypal.com security notice>"]:
        try:
            check_payload({"type": "mrkdwn", "text": bad}, labels, "probe")
        except AssertionError:
            continue
        raise AssertionError(f"the checker let {bad!r} through")
    check_payload({"type": "mrkdwn", "text": "<https://news.example/a|Real title> &lt;!channel&gt;"}, labels, "ok")
    check_payload({"type": "mrkdwn", "text": "<https://news.example/a|Real…>"}, labels, "cut")
    check_payload({"type": "mrkdwn", "text": "<https://evil.example/phish|paypal.com security notice (evil.example)>"},
                  labels, "domain shown")


# ---- a link whose text is another address ----------------------------------------------------------
PHISH = "https://evil.example/phish"
LOOKALIKES = [
    ("https://accounts.google.com/login hello", "https://accounts.google.com/login hello (evil.example)"),
    ("paypal.com security notice", "paypal.com security notice (evil.example)"),
    ("Reset at www.paypal.com now", "Reset at www.paypal.com now (evil.example)"),
    ("write to security@paypal.com", "write to security@paypal.com (evil.example)"),
    ("paypal\uff0ecom notice", "paypal\uff0ecom notice (evil.example)"),  # a full-width dot
    ("\u0440\u0430\u0443\u0440\u0430l.com login", "\u0440\u0430\u0443\u0440\u0430l.com login (evil.example)"),  # Cyrillic
    ("Evil.Example's own news", "Evil.Example's own news"),  # its own domain: nothing to add
    ("https://www.evil.example/other page", "https://www.evil.example/other page"),
    ("Plain headline, no address", "Plain headline, no address"),
]


def _label_of(text: str, url: str = PHISH) -> str:
    m = re.search(r"<" + re.escape(url) + r"\|([^<>]*)>", text)
    assert m, f"no link to {url} in {text!r}"
    return unescape(m.group(1)).replace("*", "")  # matched words are bold; the labels hold no "*" of their own


def test_a_label_naming_another_address_shows_the_real_domain_everywhere(tmp_path):
    """Search results, Share, the digest (both bundled templates and the built-in layout)
    and modal previews all build links through bot.mrkdwn.link."""
    from bot.digest.render import builtin_messages, render_messages
    from bot.digest.service import sample_context

    now = datetime.now(timezone.utc).replace(microsecond=0)
    store = open_store(str(tmp_path / "lookalike.db"))
    try:
        for i, (title, _) in enumerate(LOOKALIKES):
            feed = store.add_feed(f"https://feeds.example/{i}", "Wire")
            store.insert_articles(feed.id, [Article(
                feed_url=feed.url, source="Wire", url=f"{PHISH}?n={i}", title=f"{title} {MARKER}",
                summary=MARKER, published=now - timedelta(minutes=i + 1), dedupe_key=f"k{i}")],
                now=int(now.timestamp()))
        store.add_watchlist("zebra", MARKER)
        want = {f"{PHISH}?n={i}": expected.replace(" (evil.example)", "") + f" {MARKER}"
                + (" (evil.example)" if expected.endswith("(evil.example)") else "")
                for i, (_, expected) in enumerate(LOOKALIKES)}
        node = parse(MARKER)
        hits = store.search(node, limit=len(LOOKALIKES))
        places = {
            "search": [blocks.search_results(MARKER, hits, len(hits))],
            "share": [blocks.shared_result({"title": h.title, "url": h.url, "source": h.source}, "U1") for h in hits],
            "preview": [{"type": "mrkdwn", "text": blocks.preview_text(MARKER, [h], 1)} for h in hits],
            "digest": [{"blocks": m.blocks} for m in render_digest(store, Settings(), CHANNEL,
                                                                   now + timedelta(seconds=1)).messages],
        }
        for where, payloads in places.items():
            text = json.dumps(payloads, ensure_ascii=False)
            shown = [url for url in want if f"<{url}|" in text]
            assert len(shown) == len(want) or (where == "digest" and shown), (where, shown)
            for url in shown:
                assert _label_of(text, url) == want[url], (where, url)
        # the digest templates and the last-resort layout, on a story labelled as Google
        context = sample_context()
        item = context["items"][0]
        from bot.digest.escape import Marked

        label = "https://accounts.google.com/login hello"
        context["items"][0] = type(item)(**{**item.__dict__, "url": PHISH, "title": type(item.title)(label),
                                            "marked_title": Marked(label)})
        for template in ("daily", "compact"):
            text = json.dumps([m.blocks for m in render_messages(template, context, None).messages], ensure_ascii=False)
            assert _label_of(text) == "https://accounts.google.com/login hello (evil.example)", template
        text = json.dumps([m.blocks for m in builtin_messages(context)], ensure_ascii=False)
        assert _label_of(text) == "https://accounts.google.com/login hello (evil.example)"
    finally:
        store.close()


hosts = st.sampled_from(["evil.example", "news.example", "paypal.com", "accounts.google.com", "a.b.co.uk"])
words = st.lists(st.sampled_from(["hello", "security", "notice", "2.0", "AI", "-", ",", "(", ")", "&", "<", "|"]),
                 max_size=4).map(" ".join)


@st.composite
def address_labels(draw):
    named = draw(hosts)
    shape = draw(st.sampled_from(["https://{h}/login", "http://{h}", "{h}", "www.{h}", "user@{h}", "{h}/path"]))
    return f"{draw(words)} {shape.format(h=named)} {draw(words)}".strip(), named


@settings(max_examples=300, deadline=None)
@given(label_named=address_labels(), target=hosts, path=path)
def test_any_label_naming_another_domain_gets_the_target_domain(label_named, target, path):
    from bot.mrkdwn import link

    label, named = label_named
    out = link(f"https://{target}/{path}", label)
    shown = unescape(out[out.index("|") + 1: -1])
    if named == target:
        assert not shown.endswith(f"({target})") or label.endswith(f"({target})"), (label, out)
    else:
        assert shown.endswith(f" ({target})"), (label, target, out)
        assert shown[: -len(f" ({target})")] == shown_label(label), (label, out)


def shown_label(label: str) -> str:
    return FORBIDDEN.sub("", label).replace("|", "¦")
