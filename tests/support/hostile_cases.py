"""The hostile feeds of issue 6, each served by the loopback feed server: one catalogue for
the test suite (tests/test_hostile_feeds.py, short timeouts) and the benchmark
(bench/hostile.py, real default limits).

A `Case` registers its routes on a `FeedServer` and returns the feed URL to poll; then
either `error` (a regex the reason recorded on the feed must match) or `articles` (how
many articles the feed must yield: the poll recovers) says what has to happen.

Nothing here may reach beyond 127.0.0.1: addresses such as 10.0.0.1 or 169.254.169.254
only ever appear in redirects and fake DNS answers that the address guard must refuse
before dialling, and `guard_dialling` turns any dial of another address into an error
(and a record) instead of a packet.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import Callable

import httpcore

from tests.support.feedserver import FeedServer

GOOD_PATH = "/good.xml"
GOOD_TITLES = ["Good one", "Good two", "Good three"]

# Fake DNS: the names the cases use, and what they "resolve" to.
DNS = {
    "intranet.test": ["10.0.0.1"],
    "metadata.test": ["169.254.169.254"],
    "loopback2.test": ["127.0.0.2"],
    "v6loop.test": ["::1"],
    "mixed.test": ["127.0.0.1", "10.1.2.3"],  # one good answer and one bad: refused
}


def rss(items: str, *, prolog: str = '<?xml version="1.0" encoding="utf-8"?>\n', title: str = "Hostile") -> bytes:
    return (
        f'{prolog}<rss version="2.0"><channel><title>{title}</title><link>http://example.com/</link>'
        f"{items}</channel></rss>"
    ).encode("utf-8")


def item(n: int, title: str | None = None, *, date: str = "Mon, 01 Jan 2024 00:00:00 GMT",
         site: str = "example.com") -> str:
    return (
        f"<item><title>{title or f'Item {n}'}</title><link>http://{site}/{n}</link>"
        f"<guid>http://{site}/{n}</guid><pubDate>{date}</pubDate></item>"
    )


def good_feed() -> bytes:
    return rss("".join(item(i, t, site="good.example") for i, t in enumerate(GOOD_TITLES)), title="Good")


# ---- entity expansion ---------------------------------------------------------------------------
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def _billion_laughs(server: FeedServer) -> str:
    server.add("/laughs.xml", rss(item(1, "&lol9;"), prolog=BILLION_LAUGHS))
    return server.url("/laughs.xml")


def _doctype_same_line(server: FeedServer) -> str:
    prolog = '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    server.add("/sameline.xml", rss(item(1, "&b;" * 1000), prolog=prolog))
    return server.url("/sameline.xml")


def _one_big_entity(server: FeedServer) -> str:
    # the case feedparser's loose parser expands without limit: 10 KB × 20,000 references
    prolog = '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY big "' + "x" * 10_000 + '">]>\n'
    body = "<item><title>big</title><link>http://example.com/big</link><description>" + "&big;" * 20_000
    server.add("/bigentity.xml", rss(body + "</description></item>", prolog=prolog))
    return server.url("/bigentity.xml")


# ---- size and time ------------------------------------------------------------------------------------
def _fifty_mb(server: FeedServer) -> str:
    server.huge("/50mb.xml", 50 * 1024 * 1024, declare_length=False)  # streamed lazily, no length to refuse on
    return server.url("/50mb.xml")


def _gzip_bomb(server: FeedServer) -> str:
    server.gzip_bomb("/bomb.xml", 1024 * 1024 * 1024)  # 1 GiB of zeros, ~1 MB on the wire, made as sent
    return server.url("/bomb.xml")


def _drip(server: FeedServer, seconds: float) -> str:
    body = rss(item(1))
    server.drip("/drip.xml", body, interval=1.0, max_seconds=seconds)  # one byte a second
    return server.url("/drip.xml")


def _hundred_thousand_entries(server: FeedServer) -> str:
    days = [f"{d:02d} Jan 2024" for d in range(1, 29)]
    body = "".join(
        f"<item><title>Entry {i}</title><link>http://example.com/e/{i}</link>"
        f"<pubDate>Mon, {days[i % 28]} 00:00:00 GMT</pubDate></item>"
        for i in range(100_000)
    )
    server.add("/100k.xml", rss(body))
    return server.url("/100k.xml")


def _markup_heavy(server: FeedServer) -> str:
    # unescaped markup in one description: a million elements, each a Python call in feedparser
    desc = "<p>x</p>" * 1_000_000
    server.add("/markup.xml", rss(f"<item><title>markup</title><link>http://example.com/m</link>"
                                  f"<description>{desc}</description></item>"))
    return server.url("/markup.xml")


def _megabyte_title(server: FeedServer) -> str:
    server.add("/bigtitle.xml", rss(item(104, "A" * 1024 * 1024) + item(105, "Normal title")))
    return server.url("/bigtitle.xml")


# ---- redirects and addresses ----------------------------------------------------------------------------
def _redirect_loop(server: FeedServer) -> str:
    server.redirect("/loop-a", "/loop-b", 302)
    server.redirect("/loop-b", "/loop-a", 302)
    return server.url("/loop-a")


def _redirect_to(target: str) -> Callable[[FeedServer], str]:
    def serve(server: FeedServer) -> str:
        path = "/to/" + re.sub(r"[^A-Za-z0-9]+", "-", target)
        server.redirect(path, target.format(port=server.port), 302)
        return server.url(path)

    return serve


def _name(host: str, path: str = "/feed.xml") -> Callable[[FeedServer], str]:
    def serve(server: FeedServer) -> str:
        server.add(path, good_feed())  # reachable if the guard were fooled; it must not be
        return f"http://{host}:{server.port}{path}"

    return serve


def _literal(url: str) -> Callable[[FeedServer], str]:
    return lambda server: url


# ---- not feeds, and feeds that are only a bit broken ---------------------------------------------------------
def _html_page(server: FeedServer) -> str:
    page = b"<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body><h1>Our blog</h1></body></html>"
    server.add("/page.html", page, content_type="text/html; charset=utf-8")
    return server.url("/page.html")


def _empty(server: FeedServer) -> str:
    server.add("/empty.xml", b"")
    return server.url("/empty.xml")


CHARSET_TITLE = "Café – naïve €5"


def _wrong_charset(server: FeedServer) -> str:
    # windows-1252 bytes, declared so in the XML, but the header claims UTF-8
    doc = rss(item(101, CHARSET_TITLE), prolog='<?xml version="1.0" encoding="windows-1252"?>\n').decode()
    server.add("/wrong-charset.xml", doc.encode("cp1252"), content_type="application/rss+xml; charset=utf-8")
    return server.url("/wrong-charset.xml")


def _missing_charset(server: FeedServer) -> str:
    # windows-1252 bytes, no declaration anywhere; text/xml without a charset means us-ascii
    doc = rss(item(102, CHARSET_TITLE), prolog='<?xml version="1.0"?>\n').decode()
    server.add("/no-charset.xml", doc.encode("cp1252"), content_type="text/xml")
    return server.url("/no-charset.xml")


def _recoverable(server: FeedServer) -> str:
    # a bare "&", an unclosed <br>, a stray </p>: not XML, but feedparser's loose parser copes
    items = (
        "<item><title>Ben & Jerry's AI</title><link>http://example.com/bj</link>"
        "<description>line<br>next</p></description></item>" + item(103, "Still here")
    )
    server.add("/broken.xml", rss(items))
    return server.url("/broken.xml")


@dataclass(frozen=True)
class Case:
    name: str
    serve: Callable[[FeedServer], str]
    error: str | None = None  # regex for the reason recorded on the feed (re.fullmatch)
    articles: int | None = None  # the feed recovers: this many new articles
    titles: tuple[str, ...] = ()  # … among them these titles


REFUSED_ENTITIES = r"refused: the document declares an internal DTD subset \(possible entity expansion\)"


def cases(drip_seconds: float = 25.0) -> list[Case]:
    return [
        Case("billion laughs", _billion_laughs, error=REFUSED_ENTITIES),
        Case("DOCTYPE on the <?xml?> line", _doctype_same_line, error=REFUSED_ENTITIES),
        Case("one 10 KB entity x 20,000", _one_big_entity, error=REFUSED_ENTITIES),
        Case("50 MB body, streamed", _fifty_mb, error=r"body larger than \d+ (MiB|KiB)"),
        Case("gzip bomb (1 GiB of zeros)", _gzip_bomb, error=r"body larger than \d+ (MiB|KiB)"),
        Case("drip, one byte a second", lambda s: _drip(s, drip_seconds), error=r"timed out after [\d.]+ s"),
        Case("redirect loop", _redirect_loop, error=r"redirect loop at http://127\.0\.0\.1:\d+/loop-a"),
        Case("redirect to 127.0.0.2", _redirect_to("http://127.0.0.2:{port}/feed.xml"),
             error=r"refused: 127\.0\.0\.2 is a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        Case("redirect to 10.0.0.1", _redirect_to("http://10.0.0.1/feed.xml"),
             error=r"refused: 10\.0\.0\.1 is a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        Case("redirect to 169.254.169.254", _redirect_to("http://169.254.169.254/latest/meta-data/"),
             error=r"refused: 169\.254\.169\.254 is a link-local address"),
        Case("redirect to [::1]", _redirect_to("http://[::1]:{port}/feed.xml"),
             error=r"refused: ::1 is a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        Case("redirect to [::ffff:10.0.0.1]", _redirect_to("http://[::ffff:10.0.0.1]/feed.xml"),
             error=r"refused: ::ffff:(a00:1|10\.0\.0\.1) is a private address \(it stands for IPv4 10\.0\.0\.1\); "
                   r"to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        Case("redirect to 100.100.100.200 (Alibaba Cloud metadata)",
             _redirect_to("http://100.100.100.200/latest/meta-data/"),
             error=r"refused: 100\.100\.100\.200 is a cloud metadata address \(Alibaba Cloud instance metadata\), "
                   r"never allowed"),
        Case("redirect to file:///etc/passwd", _redirect_to("file:///etc/passwd"),
             error=r"unsupported URL scheme 'file'"),
        Case("name resolving to 10.0.0.1", _name("intranet.test"),
             error=r"refused: intranet\.test resolves to 10\.0\.0\.1, a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        Case("name resolving to 169.254.169.254", _name("metadata.test"),
             error=r"refused: metadata\.test resolves to 169\.254\.169\.254, a link-local address"),
        Case("name resolving to 127.0.0.2", _name("loopback2.test"),
             error=r"refused: loopback2\.test resolves to 127\.0\.0\.2, a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        Case("name resolving to ::1", _name("v6loop.test"),
             error=r"refused: v6loop\.test resolves to ::1, a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        Case("name resolving to 127.0.0.1 and 10.1.2.3", _name("mixed.test"),
             error=r"refused: mixed\.test resolves to 10\.1\.2\.3, a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        Case("file:// feed URL", _literal("file:///etc/passwd"), error=r"unsupported URL scheme 'file'"),
        Case("gopher:// feed URL", _literal("gopher://127.0.0.1:70/1/feed"), error=r"unsupported URL scheme 'gopher'"),
        Case("HTML page", _html_page, error=r"not a feed \(got an HTML page\)"),
        Case("empty 200", _empty, error=r"empty response"),
        Case("wrong charset in header", _wrong_charset, articles=1, titles=(CHARSET_TITLE,)),
        Case("missing charset", _missing_charset, articles=1, titles=(CHARSET_TITLE,)),
        Case("invalid XML, recoverable", _recoverable, articles=2, titles=("Ben & Jerry's AI", "Still here")),
        Case("100,000 entries", _hundred_thousand_entries, articles=500),
        Case("1 MB title", _megabyte_title, articles=2, titles=("Normal title",)),
        Case("a million elements in one entry", _markup_heavy,
             error=r"refused: too much markup \(1,000,00\d elements; at most 100,000\)"),
    ]


# ---- the safety nets ---------------------------------------------------------------------------------------
class FakeResolver:
    """Answers the names in `DNS`; IP literals resolve to themselves; anything else fails."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = dict(DNS if table is None else table)
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host in self.table:
            return list(self.table[host])
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except OSError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return [host]


def guard_dialling(dialled: list[str]) -> Callable[[], None]:
    """Record every address httpcore dials and refuse all but 127.0.0.1; returns the undo.

    The address guard must refuse the others before this point: a test asserts that
    `dialled` holds nothing else.
    """
    real = httpcore.AnyIOBackend.connect_tcp

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        dialled.append(host)
        if host != "127.0.0.1":
            raise httpcore.ConnectError(f"test safety net: would have dialled {host}")
        return await real(self, host, port, timeout=timeout, local_address=local_address,
                          socket_options=socket_options)

    httpcore.AnyIOBackend.connect_tcp = connect_tcp

    def undo() -> None:
        httpcore.AnyIOBackend.connect_tcp = real

    return undo
