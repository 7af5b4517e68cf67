"""Fetching over a real loopback socket (tests/support/feedserver.py), and the address guard.

Only 127.0.0.1 is ever connected to. Every fetch below goes through `Recorder`, the
real network backend plus a log and a safety net: should the guard ever let a
non-loopback address through, the recorder notes it and refuses to dial, and the test
fails on the log instead of sending a packet.
"""

from __future__ import annotations

import gzip
import socket
import time
import tracemalloc
import zlib
from datetime import datetime, timezone
from ipaddress import ip_network

import httpcore
import pytest

from bot.feeds.decode import BodyTooLarge, CappedDecoder, UnsupportedEncoding
from bot.feeds.fetch import USER_AGENT, FeedRequest, FetchLimits, fetch_many, parse_retry_after
from bot.feeds.netpolicy import AddressPolicy
from bot.feeds.samples import sample_feeds
from tests.support.feed_docs import RSS

MiB = 1024 * 1024
LOOPBACK_ONLY = AddressPolicy(allowed_networks=(ip_network("127.0.0.1/32"),))
FAST = FetchLimits(connect=1.0, read=1.0, total=2.0, max_body=1 * MiB, max_redirects=5)
class Recorder(httpcore.AsyncNetworkBackend):
    """httpcore's real backend, logging each address dialled; dials nothing but 127.0.0.1."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.dialled: list[str] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.dialled.append(host)
        if host != "127.0.0.1":
            raise httpcore.ConnectError(f"test safety net: would have dialled {host}")
        return await self.inner.connect_tcp(host, port, timeout=timeout, local_address=local_address,
                                            socket_options=socket_options)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise AssertionError("no unix sockets")

    async def sleep(self, seconds):  # pragma: no cover
        await self.inner.sleep(seconds)


class FakeDNS:
    """A resolver answering from a table; a list of answers is served one per lookup (rebinding)."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        answer = self.table.get(host)
        if answer is None:
            try:  # IP literals resolve to themselves, as getaddrinfo does
                socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
                return [host]
            except OSError:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        if answer and isinstance(answer[0], list):
            return answer.pop(0) if len(answer) > 1 else answer[0]
        return answer


def fetch(url: str, *, limits=FAST, policy=LOOPBACK_ONLY, recorder=None, resolver=None, **req):
    recorder = recorder if recorder is not None else Recorder()
    [result] = fetch_many([FeedRequest(url, **req)], policy=policy, limits=limits, backend=recorder, resolver=resolver)
    return result


# ---- plain fetches and conditional GET -------------------------------------------------------


def test_serves_a_feed_with_validators_and_our_headers(feed_server):
    body = sample_feeds()[0].content
    feed_server.add("/feed.xml", body, etag='"v1"', last_modified="Fri, 10 May 2024 15:00:00 GMT")
    result = fetch(feed_server.url("/feed.xml"))
    assert result.error is None
    assert result.status == 200
    assert result.content == body
    assert result.etag == '"v1"'
    assert result.last_modified == "Fri, 10 May 2024 15:00:00 GMT"
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert result.permanent_url is None and not result.not_modified and not result.gone
    assert result.elapsed > 0
    [seen] = feed_server.requests_for("/feed.xml")
    assert seen.headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("aibrief/")
    assert "application/rss+xml" in seen.headers["accept"] and "application/atom+xml" in seen.headers["accept"]
    assert seen.headers["accept-encoding"] == "gzip, deflate"
    assert "if-none-match" not in seen.headers


def test_etag_gives_304_and_keeps_validators(feed_server):
    feed_server.add("/feed.xml", RSS, etag='"abc"', last_modified="Sat, 01 Mar 2025 07:39:00 GMT")
    result = fetch(feed_server.url("/feed.xml"), etag='"abc"')
    assert result.not_modified and result.status == 304
    assert result.content is None and result.error is None
    assert result.etag == '"abc"'
    assert feed_server.requests_for("/feed.xml")[0].headers["if-none-match"] == '"abc"'
    changed = fetch(feed_server.url("/feed.xml"), etag='"old"')
    assert not changed.not_modified and changed.content == RSS


def test_last_modified_gives_304(feed_server):
    stamp = "Sat, 01 Mar 2025 07:39:00 GMT"
    feed_server.add("/feed.xml", RSS, last_modified=stamp)
    result = fetch(feed_server.url("/feed.xml"), last_modified=stamp)
    assert result.not_modified and result.content is None
    assert result.last_modified == stamp
    assert feed_server.requests_for("/feed.xml")[0].headers["if-modified-since"] == stamp


# ---- redirects --------------------------------------------------------------------------------


def test_redirect_chain_with_relative_location(feed_server):
    feed_server.redirect("/a", "/b", status=302)
    feed_server.redirect("/b", feed_server.url("/c"), status=301)
    feed_server.redirect("/c", "d", status=307)  # relative to /c → /d
    feed_server.add("/d", RSS)
    result = fetch(feed_server.url("/a"))
    assert result.error is None and result.content == RSS
    assert result.url == feed_server.url("/a")
    assert result.permanent_url is None  # a 302 and a 307 on the way: not a permanent move
    assert feed_server.paths() == ["/a", "/b", "/c", "/d"]


def test_all_permanent_redirects_report_the_new_url(feed_server):
    feed_server.redirect("/old", "/mid", status=301)
    feed_server.redirect("/mid", "/new", status=308)
    feed_server.add("/new", RSS, etag='"n"')
    result = fetch(feed_server.url("/old"))
    assert result.permanent_url == feed_server.url("/new")
    assert result.content == RSS
    # ...also when the answer is "not modified".
    assert fetch(feed_server.url("/old"), etag='"n"').permanent_url == feed_server.url("/new")


def test_too_many_redirects(feed_server):
    for i in range(7):
        feed_server.redirect(f"/r{i}", f"/r{i + 1}", status=302)
    feed_server.add("/r7", RSS)
    result = fetch(feed_server.url("/r0"))
    assert result.error == "too many redirects (>5)"
    assert len(feed_server.log) == 6  # the first request and five followed hops
    ok = fetch(feed_server.url("/r2"))  # exactly five hops is allowed
    assert ok.error is None and ok.content == RSS


def test_redirect_loop_is_detected(feed_server):
    feed_server.redirect("/a", "/b", status=302)
    feed_server.redirect("/b", "/a", status=302)
    result = fetch(feed_server.url("/a"))
    assert result.error == f"redirect loop at {feed_server.url('/a')}"
    assert feed_server.paths() == ["/a", "/b"]


def test_redirect_without_location(feed_server):
    feed_server.add("/r", b"", status=302, content_type="")
    assert fetch(feed_server.url("/r")).error == "HTTP 302 Found (redirect without a Location)"


@pytest.mark.parametrize(
    "target, expected",
    [
        ("http://127.0.0.2/feed", "refused: 127.0.0.2 is a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        ("http://10.0.0.1/feed", "refused: 10.0.0.1 is a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        ("http://172.16.5.4/", "refused: 172.16.5.4 is a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        ("http://192.168.1.1:8080/", "refused: 192.168.1.1 is a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local address"),
        ("http://[::1]/feed", "refused: ::1 is a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        ("http://[fe80::1]/", "refused: fe80::1 is a link-local address"),
        ("http://0.0.0.0/", "refused: 0.0.0.0 is an unspecified address"),
        ("http://[::ffff:10.0.0.1]/", "refused: ::ffff:a00:1 is a private address (it stands for IPv4 10.0.0.1); to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        ("http://100.64.0.1/", "refused: 100.64.0.1 is a non-public address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
        ("https://10.1.2.3/", "refused: 10.1.2.3 is a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"),
    ],
)
def test_redirect_to_a_forbidden_address_is_refused_before_connecting(feed_server, target, expected):
    feed_server.redirect("/feed", target, status=302)
    recorder = Recorder()
    result = fetch(feed_server.url("/feed"), recorder=recorder)
    assert result.error == expected
    assert result.content is None
    assert recorder.dialled == ["127.0.0.1"]  # only the loopback server was ever dialled


def test_names_are_checked_on_every_answer(feed_server):
    feed_server.add("/feed", RSS)
    port = feed_server.port
    dns = FakeDNS({
        "good.test": ["127.0.0.1"],
        "inside.test": ["10.0.0.1"],
        "mixed.test": ["127.0.0.1", "10.0.0.7"],
        "localhost": ["127.0.0.1", "::1"],
    })
    recorder = Recorder()
    ok = fetch(f"http://good.test:{port}/feed", resolver=dns, recorder=recorder)
    assert ok.error is None and ok.content == RSS
    assert feed_server.requests_for("/feed")[0].headers["host"] == f"good.test:{port}"  # the name, not the IP

    assert fetch(f"http://inside.test:{port}/feed", resolver=dns, recorder=recorder).error == (
        "refused: inside.test resolves to 10.0.0.1, a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true")
    assert fetch(f"http://mixed.test:{port}/feed", resolver=dns, recorder=recorder).error == (
        "refused: mixed.test resolves to 10.0.0.7, a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true")
    assert fetch(f"http://localhost:{port}/feed", resolver=dns, recorder=recorder).error == (
        "refused: localhost resolves to ::1, a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true")
    assert recorder.dialled == ["127.0.0.1"]
    assert len(feed_server.log) == 1


def test_dns_rebinding_cannot_swap_the_address(feed_server):
    """The address is checked on each new connection and the checked address is the one dialled."""
    feed_server.add("/feed", RSS)
    dns = FakeDNS({"rebind.test": [["127.0.0.1"], ["10.0.0.1"]]})
    recorder = Recorder()
    url = f"http://rebind.test:{feed_server.port}/feed"
    assert fetch(url, resolver=dns, recorder=recorder).error is None
    assert fetch(url, resolver=dns, recorder=recorder).error == "refused: rebind.test resolves to 10.0.0.1, a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"
    assert recorder.dialled == ["127.0.0.1"]


def test_unresolvable_name(feed_server):
    result = fetch("http://no-such-host.test/feed", resolver=FakeDNS({}))
    assert result.error == "could not resolve host 'no-such-host.test' (Name or service not known)"


def test_default_policy_refuses_loopback_and_allow_private_opens_it(feed_server):
    feed_server.add("/feed", RSS)
    refused = fetch(feed_server.url("/feed"), policy=AddressPolicy())
    assert refused.error == "refused: 127.0.0.1 is a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"
    assert feed_server.log == []
    allowed = fetch(feed_server.url("/feed"), policy=AddressPolicy(allow_private=True))
    assert allowed.error is None and allowed.content == RSS


# ---- schemes and bad URLs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("file:///etc/passwd", "unsupported URL scheme 'file'"),
        ("ftp://127.0.0.1/feed.xml", "unsupported URL scheme 'ftp'"),
        ("gopher://127.0.0.1/", "unsupported URL scheme 'gopher'"),
        ("feeds.example.com/rss", "not an absolute URL: 'feeds.example.com/rss'"),
    ],
)
def test_only_http_and_https(url, expected):
    recorder = Recorder()
    assert fetch(url, recorder=recorder).error == expected
    assert recorder.dialled == []


def test_redirect_to_a_file_url_is_refused(feed_server):
    feed_server.redirect("/feed", "file:///etc/passwd", status=302)
    assert fetch(feed_server.url("/feed")).error == "unsupported URL scheme 'file'"


# ---- HTTP errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status, text", [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error"),
                                          (403, "HTTP 403 Forbidden")])
def test_http_errors(feed_server, status, text):
    feed_server.error("/feed", status)
    result = fetch(feed_server.url("/feed"))
    assert result.error == text and result.status == status
    assert result.content is None and not result.gone and result.retry_after is None


def test_410_means_gone(feed_server):
    feed_server.error("/feed", 410)
    result = fetch(feed_server.url("/feed"))
    assert result.gone and result.error == "HTTP 410 Gone"


def test_429_and_503_carry_retry_after(feed_server):
    feed_server.error("/busy", 429, retry_after="120")
    feed_server.error("/down", 503, retry_after="Wed, 21 Oct 2099 07:28:00 GMT")
    feed_server.error("/vague", 503)
    busy = fetch(feed_server.url("/busy"))
    assert busy.error == "HTTP 429 Too Many Requests" and busy.retry_after == 120.0
    down = fetch(feed_server.url("/down"))
    assert down.error == "HTTP 503 Service Unavailable" and down.retry_after > 365 * 86400
    assert fetch(feed_server.url("/vague")).retry_after is None


def test_parse_retry_after():
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("0", now) == 0.0
    assert parse_retry_after(" 3600 ", now) == 3600.0
    assert parse_retry_after("Tue, 24 Nov 2026 12:05:00 GMT", now) == 300.0
    assert parse_retry_after("Tue, 24 Nov 2026 11:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


def test_connection_refused():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert fetch(f"http://127.0.0.1:{port}/feed").error == "connection refused"


# ---- time and size limits -------------------------------------------------------------------------


def test_slow_drip_hits_the_total_deadline(feed_server):
    # One byte every 0.1 s never trips the 1 s read timeout; the 0.6 s total deadline stops it.
    feed_server.drip("/slow", RSS, interval=0.1, max_seconds=3)
    started = time.monotonic()
    result = fetch(feed_server.url("/slow"), limits=FetchLimits(connect=1, read=1, total=0.6, max_body=MiB))
    took = time.monotonic() - started
    assert result.error == "timed out after 0.6 s"
    assert result.content is None
    assert 0.55 < took < 1.5
    assert 0.55 < result.elapsed < 1.5


def test_silence_hits_the_read_timeout(feed_server):
    feed_server.drip("/stalled", RSS, interval=2.0, max_seconds=2.5)
    result = fetch(feed_server.url("/stalled"), limits=FetchLimits(connect=1, read=0.3, total=5, max_body=MiB))
    assert result.error == "read timed out (no data for 0.3 s)"
    assert result.elapsed < 1.5


def test_declared_length_over_the_cap_is_refused_without_reading(feed_server):
    feed_server.huge("/huge", 50 * MiB, declare_length=True)
    started = time.monotonic()
    result = fetch(feed_server.url("/huge"))
    assert result.error == "body larger than 1 MiB"
    assert result.content is None and result.status == 200
    assert time.monotonic() - started < 1.5


def test_undeclared_length_is_cut_while_streaming(feed_server):
    feed_server.huge("/huge", 50 * MiB, declare_length=False)
    feed_server.huge("/fits", MiB, declare_length=False)
    started = time.monotonic()
    assert fetch(feed_server.url("/huge")).error == "body larger than 1 MiB"
    assert time.monotonic() - started < 1.5
    fits = fetch(feed_server.url("/fits"))  # exactly the cap is fine
    assert fits.error is None and len(fits.content) == MiB


def test_gzip_body_is_decoded(feed_server):
    feed_server.gzip("/gz", RSS)
    result = fetch(feed_server.url("/gz"))
    assert result.error is None and result.content == RSS


def test_gzip_bomb_stops_early_and_small(feed_server):
    """50 MiB of zeros is ~50 KB of gzip: under the cap on the wire, far over it decoded."""
    feed_server.gzip_bomb("/bomb", 50 * MiB)
    tracemalloc.start()
    try:
        started = time.monotonic()
        result = fetch(feed_server.url("/bomb"))
        took = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error == "body larger than 1 MiB"
    assert took < 2.0
    assert peak < 8 * MiB  # never anywhere near the 50 MiB the body would inflate to


def test_unsupported_and_corrupt_encodings(feed_server):
    feed_server.add("/br", b"\x1b\x03\x00", headers={"Content-Encoding": "br"})
    feed_server.add("/bad-gzip", b"\x1f\x8b\x08\x00garbage-not-deflate", headers={"Content-Encoding": "gzip"})
    assert fetch(feed_server.url("/br")).error == "unsupported content-encoding 'br'"
    assert fetch(feed_server.url("/bad-gzip")).error.startswith("corrupt gzip body")


# ---- many feeds --------------------------------------------------------------------------------------


def test_fetch_many_keeps_order_reports_progress_and_isolates_failures(feed_server):
    feed_server.add("/a", b"<rss>a</rss>")
    feed_server.error("/b", 500)
    feed_server.drip("/slow", b"<rss>slow</rss>", interval=0.2, max_seconds=3)
    feed_server.add("/c", b"<rss>c</rss>")
    urls = [feed_server.url(p) for p in ("/a", "/b", "/slow", "/c")] + ["file:///etc/hosts"]
    seen = []
    results = fetch_many([FeedRequest(u) for u in urls], policy=LOOPBACK_ONLY,
                         limits=FetchLimits(connect=1, read=1, total=0.5, max_body=MiB),
                         concurrency=2, on_result=lambda r: seen.append(r.url), backend=Recorder())
    assert [r.url for r in results] == urls
    assert sorted(seen) == sorted(urls)
    assert results[0].content == b"<rss>a</rss>" and results[3].content == b"<rss>c</rss>"
    assert results[1].error == "HTTP 500 Internal Server Error"
    assert results[2].error == "timed out after 0.5 s"
    assert results[4].error == "unsupported URL scheme 'file'"
    assert fetch_many([], policy=LOOPBACK_ONLY) == []


def test_a_failing_progress_callback_does_not_lose_results(feed_server):
    feed_server.add("/a", RSS)

    def explode(_):
        raise RuntimeError("progress bar broke")

    [result] = fetch_many([FeedRequest(feed_server.url("/a"))], policy=LOOPBACK_ONLY, limits=FAST,
                          on_result=explode, backend=Recorder())
    assert result.content == RSS


# ---- the decoder and the policy, without a network ---------------------------------------------


def test_capped_decoder_boundaries():
    data = bytes(range(256)) * 400  # 102,400 bytes
    assert CappedDecoder("gzip", len(data)).feed(gzip.compress(data)) == data
    with pytest.raises(BodyTooLarge):
        CappedDecoder("gzip", len(data) - 1).feed(gzip.compress(data))
    # two gzip members back to back (allowed by RFC 1952)
    two = gzip.compress(b"first ") + gzip.compress(b"second")
    assert CappedDecoder("gzip", 100).feed(two) == b"first second"
    # deflate both zlib-wrapped (correct) and raw (common server bug), fed in pieces
    for blob in (zlib.compress(data), zlib.compress(data)[2:-4]):
        decoder = CappedDecoder("deflate", len(data))
        out = b"".join(decoder.feed(blob[i:i + 1000]) for i in range(0, len(blob), 1000)) + decoder.flush()
        assert out == data
    assert CappedDecoder("identity", 10).feed(b"0123456789") == b"0123456789"
    with pytest.raises(BodyTooLarge):
        CappedDecoder(None, 9).feed(b"0123456789")
    with pytest.raises(UnsupportedEncoding):
        CappedDecoder("gzip, br", 10)


def test_capped_decoder_never_holds_more_than_the_cap():
    bomb = gzip.compress(bytes(20 * MiB))
    decoder = CappedDecoder("gzip", 64 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLarge):
            decoder.feed(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert decoder.total == 64 * 1024 + 1
    assert peak < 1 * MiB


@pytest.mark.parametrize(
    "ip, allowed",
    [
        ("93.184.215.14", True), ("2606:4700::1111", True), ("::ffff:1.1.1.1", True),
        ("10.0.0.1", False), ("172.31.255.255", False), ("192.168.0.1", False), ("127.0.0.1", False),
        ("127.0.0.2", False), ("169.254.169.254", False), ("0.0.0.0", False), ("224.0.0.251", False),
        ("240.0.0.1", False), ("255.255.255.255", False), ("100.64.0.1", False), ("192.0.2.1", False),
        ("::1", False), ("::", False), ("fe80::1", False), ("fe80::1%eth0", False), ("fc00::1", False),
        ("fd12:3456::1", False), ("ff02::1", False), ("::ffff:127.0.0.1", False), ("::ffff:169.254.169.254", False),
        ("64:ff9b::a00:1", False), ("2002:a00:1::", False), ("not-an-ip", False),
    ],
)
def test_policy_table(ip, allowed):
    assert (AddressPolicy().check(ip) is None) is allowed


def test_policy_allow_private_and_allow_list():
    private = AddressPolicy(allow_private=True)
    assert private.check("10.0.0.1") is None and private.check("127.0.0.1") is None
    assert private.check("fd00::1") is None
    # never opened by allow_private: metadata-style link-local, multicast, unspecified, reserved
    assert private.check("169.254.169.254") == "169.254.169.254 is a link-local address"
    assert private.check("224.0.0.1") == "224.0.0.1 is a multicast address"
    assert private.check("0.0.0.0") == "0.0.0.0 is an unspecified address"
    listed = AddressPolicy(allowed_networks=(ip_network("127.0.0.1/32"), ip_network("169.254.0.0/16")))
    assert listed.check("127.0.0.1") is None and listed.check("169.254.1.1") is None
    assert listed.check("127.0.0.2") == "127.0.0.2 is a loopback address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"


@pytest.mark.parametrize("ip", ["fd00:ec2::254", "fd20:ce::254", "100.100.100.200", "192.0.0.192", "168.63.129.16",
                                "::ffff:100.100.100.200", "64:ff9b::6464:64c8"])
def test_cloud_metadata_addresses_are_refused_whatever_the_settings(ip):
    """AIBRIEF_ALLOW_PRIVATE_NETWORKS opens private ranges, never a metadata service, and
    the allow-list cannot open one either (168.63.129.16 is even a public address)."""
    wide_open = AddressPolicy(allow_private=True, allowed_networks=(ip_network("0.0.0.0/0"), ip_network("::/0")))
    for policy in (AddressPolicy(), AddressPolicy(allow_private=True), wide_open):
        reason = policy.check(ip)
        assert reason is not None and "cloud metadata address" in reason and reason.endswith("never allowed")
        assert "AIBRIEF_ALLOW_PRIVATE_NETWORKS" not in reason  # no hint that a setting would open it


def test_metadata_redirect_is_refused_with_private_networks_allowed(feed_server):
    feed_server.redirect("/feed", "http://100.100.100.200/latest/meta-data/", status=302)
    recorder = Recorder()
    result = fetch(feed_server.url("/feed"), policy=AddressPolicy(allow_private=True), recorder=recorder)
    assert result.error == ("refused: 100.100.100.200 is a cloud metadata address (Alibaba Cloud instance "
                            "metadata), never allowed")
    assert recorder.dialled == ["127.0.0.1"]


def test_the_private_refusal_names_the_setting_that_allows_it():
    assert AddressPolicy().check("192.168.1.10") == (
        "192.168.1.10 is a private address; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true")
    assert "AIBRIEF_ALLOW_PRIVATE_NETWORKS" not in AddressPolicy().check("169.254.169.254")  # no setting opens it


# ---- TLS: we dial the checked IP, but certificate and SNI still use the host name -------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    import shutil
    import subprocess

    from tests.support.feedserver import FeedServer

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=feeds.test",
         "-addext", "subjectAltName=DNS:feeds.test"],
        check=True, capture_output=True,
    )
    server = FeedServer(tls=(str(cert), str(key))).start()
    server.add("/feed", RSS)
    yield server, cert
    server.stop()


def test_https_verifies_the_host_name_not_the_dialled_ip(tls_server):
    import asyncio
    import ssl

    from bot.feeds.fetch import fetch_one, make_client

    server, cert = tls_server
    trust = ssl.create_default_context(cafile=str(cert))
    dns = FakeDNS({"feeds.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})

    async def get(url):
        async with make_client(LOOPBACK_ONLY, FAST, backend=Recorder(), resolver=dns, verify=trust) as client:
            return await fetch_one(client, FeedRequest(url), FAST)

    ok = asyncio.run(get(f"https://feeds.test:{server.port}/feed"))
    assert ok.error is None and ok.content == RSS  # the certificate names feeds.test, not 127.0.0.1
    wrong = asyncio.run(get(f"https://other.test:{server.port}/feed"))
    assert wrong.error.startswith("TLS certificate verification failed")
    assert "other.test" in wrong.error


def test_stored_validators_that_are_not_legal_header_values_are_not_sent(feed_server):
    feed_server.add("/feed", RSS, etag='"v"')
    result = fetch(feed_server.url("/feed"), etag='"v"\r\nX-Injected: 1', last_modified="Mañana")
    assert result.error is None and result.content == RSS
    [seen] = feed_server.requests_for("/feed")
    assert "if-none-match" not in seen.headers and "if-modified-since" not in seen.headers
    assert "x-injected" not in seen.headers
