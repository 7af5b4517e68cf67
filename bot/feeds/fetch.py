"""Polling feeds over HTTP: bounded in time and size, conditional, and never raising.

One bad feed must not cost more than its budget or stop the others, so every feed gets:
a deadline covering all redirects and the body (20 s), a body cap counted while streaming
on both wire and decompressed bytes (15 MiB, Miniflux's figure), at most 5 redirects that
we follow ourselves (each hop's scheme checked; the address checked at connect time by
`netpolicy`), and conditional GET from the stored ETag / Last-Modified so an unchanged
feed costs one small 304. Whatever happens comes back as a `FetchResult` whose `error`
is one readable line.
"""

from __future__ import annotations

import asyncio
import errno
import http
import logging
import ssl
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Iterable

import httpcore
import httpx

from bot import __version__
from bot.feeds.decode import ACCEPT_ENCODING, BodyTooLarge, CappedDecoder, UnsupportedEncoding
from bot.feeds.netpolicy import AddressPolicy, AddressRefused, GuardedTransport, ResolveFailed, Resolver
from bot.models import FetchResult

log = logging.getLogger(__name__)

USER_AGENT = f"aibrief/{__version__} (+https://github.com/aibrief/aibrief)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/feed+json;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_CODES = frozenset({301, 308})
MiB = 1024 * 1024


@dataclass(frozen=True)
class FetchLimits:
    connect: float = 10.0  # seconds to open a TCP (+TLS) connection
    read: float = 15.0  # seconds of silence tolerated while reading
    total: float = 20.0  # seconds for the whole poll: every redirect hop and the body
    max_body: int = 15 * MiB  # bytes, on the wire and after decompression
    max_redirects: int = 5


@dataclass(frozen=True)
class FeedRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None


class _Failure(Exception):
    """A poll ended early with a reason for the admin (and maybe a status)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def make_client(
    policy: AddressPolicy,
    limits: FetchLimits = FetchLimits(),
    *,
    concurrency: int = 16,
    backend: httpcore.AsyncNetworkBackend | None = None,
    resolver: Resolver | None = None,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """The one client all polls share; every connection it opens is checked against `policy`.

    `backend` and `resolver` exist so tests can observe connections and answer DNS
    without the network; production leaves them unset.
    """
    transport = GuardedTransport(
        policy, max_connections=concurrency, verify=verify, backend=backend, resolver=resolver
    )
    timeout = httpx.Timeout(connect=limits.connect, read=limits.read, write=limits.read, pool=limits.total)
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,  # no proxies or .netrc from the environment
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
    )


async def fetch_one(client: httpx.AsyncClient, req: FeedRequest, limits: FetchLimits = FetchLimits()) -> FetchResult:
    """Poll one feed. Never raises for anything the feed or network does.

    `client` should come from `make_client` so the address policy applies.
    """
    started = time.monotonic()
    try:
        async with asyncio.timeout(limits.total):
            result = await _poll(client, req, limits)
    except TimeoutError:
        result = FetchResult(url=req.url, error=f"timed out after {limits.total:g} s")
    except _Failure as exc:
        result = FetchResult(url=req.url, status=exc.status, error=str(exc))
    except httpx.HTTPError as exc:
        result = FetchResult(url=req.url, error=_describe(exc, limits))
    except Exception as exc:  # a bug or an exotic failure: report it on this feed, keep the others going
        log.exception("unexpected error fetching %s", req.url)
        result = FetchResult(url=req.url, error=f"unexpected error: {type(exc).__name__}: {exc}")
    return _with_elapsed(result, time.monotonic() - started)


def _with_elapsed(result: FetchResult, elapsed: float) -> FetchResult:
    return replace(result, elapsed=round(elapsed, 3))


async def _poll(client: httpx.AsyncClient, req: FeedRequest, limits: FetchLimits) -> FetchResult:
    headers = {}
    if req.etag and _header_safe(req.etag):
        headers["If-None-Match"] = req.etag
    if req.last_modified and _header_safe(req.last_modified):
        headers["If-Modified-Since"] = req.last_modified
    url = req.url.strip()
    seen: set[str] = set()
    all_permanent = True
    hops = 0
    while True:
        target = _checked_url(url)
        if str(target) in seen:
            raise _Failure(f"redirect loop at {target}")
        seen.add(str(target))
        request = client.build_request("GET", target, headers=headers)
        response = await client.send(request, stream=True)
        try:
            status = response.status_code
            location = response.headers.get("location")
            if status in REDIRECT_CODES and location:
                if hops >= limits.max_redirects:
                    raise _Failure(f"too many redirects (>{limits.max_redirects})", status)
                hops += 1
                all_permanent = all_permanent and status in PERMANENT_CODES
                try:
                    url = str(target.join(location.strip()))
                except httpx.InvalidURL as exc:
                    raise _Failure(f"bad redirect Location {location[:200]!r}: {exc}", status) from None
                continue
            return await _finish(response, req, target, limits, moved=hops > 0 and all_permanent)
        finally:
            await response.aclose()


def _header_safe(value: str) -> bool:
    """A stored validator came from a server; send it back only if it is a legal header value."""
    return value.isascii() and value.isprintable() and len(value) <= 1024


def _checked_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise _Failure(f"invalid URL {url[:200]!r}: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise _Failure(f"unsupported URL scheme {parsed.scheme!r}" if parsed.scheme else f"not an absolute URL: {url[:200]!r}")
    if not parsed.host:
        raise _Failure(f"URL has no host: {url[:200]!r}")
    return parsed


async def _finish(
    response: httpx.Response, req: FeedRequest, final: httpx.URL, limits: FetchLimits, *, moved: bool
) -> FetchResult:
    status = response.status_code
    headers = {k.lower(): v for k, v in response.headers.items()}
    base = dict(url=req.url, status=status, headers=headers, final_url=str(final))
    permanent_url = str(final) if moved and str(final) != str(httpx.URL(req.url.strip())) else None
    if status == 304:
        # Read the (empty) body so the connection goes back to the pool: closed unread, it is
        # dropped, and a re-poll of many feeds on one host would open a connection per feed.
        await _read_body(response, limits)
        return FetchResult(
            **base,
            not_modified=True,
            etag=headers.get("etag") or req.etag,
            last_modified=headers.get("last-modified") or req.last_modified,
            permanent_url=permanent_url,
        )
    if not 200 <= status < 300:
        await _drain(response)
        reason = response.reason_phrase or _phrase(status)
        error = f"HTTP {status} {reason}".strip()
        if status in REDIRECT_CODES:
            error += " (redirect without a Location)"
        return FetchResult(
            **base,
            error=error,
            gone=status == 410,
            retry_after=parse_retry_after(headers.get("retry-after")) if status in (429, 503) else None,
        )
    content = await _read_body(response, limits)
    return FetchResult(
        **base,
        content=content,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        permanent_url=permanent_url,
    )


ERROR_BODY_READ = 64 * 1024  # bytes of an error page read only to keep its connection
ERROR_BODY_SECONDS = 1.0


async def _drain(response: httpx.Response) -> None:
    """Read a small error page and drop it, so its connection goes back to the pool (as for a
    304) and the server is not cut off mid-write; discovery probes several 404s in a row on
    one site. A large or slow one is not waited for: the connection is simply closed."""
    declared = response.headers.get("content-length")
    if declared and declared.strip().isdigit() and int(declared) > ERROR_BODY_READ:
        return
    read = 0
    try:
        async with asyncio.timeout(ERROR_BODY_SECONDS):
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read > ERROR_BODY_READ:
                    return
    except (TimeoutError, httpx.HTTPError):
        return


async def _read_body(response: httpx.Response, limits: FetchLimits) -> bytes:
    cap = limits.max_body
    too_large = f"body larger than {_size(cap)}"
    declared = response.headers.get("content-length")
    if declared and declared.strip().isdigit() and int(declared) > cap:
        raise _Failure(too_large, response.status_code)
    try:
        decoder = CappedDecoder(response.headers.get("content-encoding"), cap)
    except UnsupportedEncoding as exc:
        raise _Failure(str(exc), response.status_code) from None
    parts: list[bytes] = []
    wire = 0
    try:
        async for chunk in response.aiter_raw():
            wire += len(chunk)
            if wire > cap:
                raise BodyTooLarge()
            parts.append(decoder.feed(chunk))
        parts.append(decoder.flush())
    except BodyTooLarge:
        raise _Failure(too_large, response.status_code) from None
    except ValueError as exc:  # corrupt compressed data
        raise _Failure(str(exc), response.status_code) from None
    return b"".join(parts)


def _size(n: int) -> str:
    if n % MiB == 0:
        return f"{n // MiB} MiB"
    if n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _describe(exc: httpx.HTTPError, limits: FetchLimits) -> str:
    """One line an admin can act on, from an httpx/httpcore exception."""
    if isinstance(exc, (AddressRefused, ResolveFailed)):
        return str(exc)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timed out after {limits.connect:g} s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"read timed out (no data for {limits.read:g} s)"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        if _caused_by(exc, ConnectionRefusedError) or "refused" in str(exc).lower():
            return "connection refused"
        cert = _caused_by(exc, ssl.SSLCertVerificationError)
        if cert is not None:
            return f"TLS certificate verification failed: {getattr(cert, 'verify_message', '') or cert}"
        if _caused_by(exc, ssl.SSLError) is not None or "ssl" in str(exc).lower():
            return f"TLS error: {exc}"
        unreachable = _caused_by(exc, OSError)
        if unreachable is not None and getattr(unreachable, "errno", None) in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network unreachable"
        return f"connection failed: {exc or type(exc).__name__}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"protocol error: {exc}"
    if isinstance(exc, httpx.ReadError):
        return f"connection broken while reading: {exc or 'reset by peer'}"
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return f"invalid URL: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _caused_by(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of `kind` in exc's cause/context chain (and inside exception groups)."""
    stack = [exc]
    seen: set[int] = set()
    while stack:
        cur = stack.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, kind):
            return cur
        stack.extend([cur.__cause__, cur.__context__])
        stack.extend(getattr(cur, "exceptions", ()) or ())
        stack.extend(a for a in getattr(cur, "args", ()) if isinstance(a, BaseException))
    return None


async def fetch_many_async(
    reqs: Iterable[FeedRequest],
    *,
    policy: AddressPolicy,
    limits: FetchLimits = FetchLimits(),
    concurrency: int = 16,
    on_result: Callable[[FetchResult], None] | None = None,
    backend: httpcore.AsyncNetworkBackend | None = None,
    resolver: Resolver | None = None,
) -> list[FetchResult]:
    """`fetch_many` for callers already inside an event loop; results in request order."""
    reqs = list(reqs)
    if not reqs:
        return []
    semaphore = asyncio.Semaphore(max(1, concurrency))
    async with make_client(policy, limits, concurrency=concurrency, backend=backend, resolver=resolver) as client:

        async def one(req: FeedRequest) -> FetchResult:
            async with semaphore:
                result = await fetch_one(client, req, limits)
            if on_result is not None:
                try:
                    on_result(result)
                except Exception:  # a progress bar must not lose the poll
                    log.exception("on_result callback failed")
            return result

        return list(await asyncio.gather(*(one(r) for r in reqs)))


def fetch_many(reqs: Iterable[FeedRequest], *, policy: AddressPolicy, **options) -> list[FetchResult]:
    """Poll every feed once, `concurrency` at a time, on one shared client; results in request order.

    Runs its own event loop, so call it from plain (non-async) code such as the CLI or a
    scheduler thread. `options` are fetch_many_async's (limits, concurrency, on_result,
    backend, resolver); `on_result` is called in the loop's thread as each feed finishes.
    """
    return asyncio.run(fetch_many_async(reqs, policy=policy, **options))
