"""Which addresses the bot may connect to, enforced at the moment of connecting.

A feed URL is user input: someone with `feeds add` rights (or a feed that redirects) can
point the bot at `http://169.254.169.254/` (cloud metadata) or an intranet service. Checking
the URL's host name up front is not enough — DNS can answer differently a second later
(rebinding) and redirects add new hosts. So the check lives in the network backend that
httpcore calls for every new TCP connection: it resolves the name itself, refuses if *any*
answer is refused, and then connects to the very address it checked. Nothing is sent to a
refused address, not even a SYN.

Layers, outermost first:
  `GuardedTransport` (an httpx transport) → httpcore `AsyncConnectionPool` →
  `GuardedBackend` (resolve, check, connect by IP) → httpcore's normal backend.
TLS still verifies and sends SNI for the host name: httpcore passes the URL's host to
`start_tls`, not the address we connected to.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import typing
from dataclasses import dataclass
from typing import Awaitable, Callable, Iterable

import anyio
import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT; not "private" in ipaddress

# Cloud metadata and platform endpoints outside 169.254.0.0/16 (which link-local already
# covers: AWS, Azure IMDS, GCP, OpenStack, Oracle, DigitalOcean, Tencent 169.254.0.23 and the
# others). They hand out credentials to whoever asks from inside the VM, so they are refused
# whatever AIBRIEF_ALLOW_PRIVATE_NETWORKS and the allow-list say. Sources: each provider's
# instance-metadata documentation.
METADATA_ADDRESSES: dict[IPAddress, str] = {
    ipaddress.ip_address("fd00:ec2::254"): "AWS instance metadata over IPv6",
    ipaddress.ip_address("fd20:ce::254"): "Google Cloud metadata server over IPv6",
    ipaddress.ip_address("100.100.100.200"): "Alibaba Cloud instance metadata",
    ipaddress.ip_address("192.0.0.192"): "Oracle Cloud legacy instance metadata",
    ipaddress.ip_address("168.63.129.16"): "Azure WireServer, the platform's host endpoint",
}
ALLOW_HINT = "; to allow it, set AIBRIEF_ALLOW_PRIVATE_NETWORKS=true"


class AddressRefused(httpx.ConnectError):
    """The policy forbids connecting to an address the host resolved to."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"refused: {reason}")
        self.host = host
        self.reason = reason


class ResolveFailed(httpx.ConnectError):
    """The host name did not resolve; kept apart so the error says so plainly."""

    def __init__(self, host: str, detail: str) -> None:
        super().__init__(f"could not resolve host {host!r} ({detail})")
        self.host = host


@dataclass(frozen=True)
class AddressPolicy:
    """Decides whether one IP address is an acceptable peer.

    `allow_private` (AIBRIEF_ALLOW_PRIVATE_NETWORKS) opens loopback, private and other
    non-global unicast ranges, for intranet feeds. It deliberately does *not* open
    link-local (169.254/16 holds cloud metadata services), multicast, unspecified or
    reserved addresses: no feed lives there. `allowed_networks` is an explicit allow-list
    checked first (tests use it to reach only 127.0.0.1); only METADATA_ADDRESSES come
    before it, refused always.
    """

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    def check(self, ip: str | IPAddress) -> str | None:
        """None when `ip` may be connected to, else a reason such as "10.0.0.1 is a private address"."""
        refusal = self.refusal(ip)
        return None if refusal is None else f"{refusal[0]} is {refusal[1]}"

    def refusal(self, ip: str | IPAddress) -> tuple[str, str] | None:
        """(address, "a private address")-style pair when refused, else None."""
        try:
            addr = ipaddress.ip_address(ip.split("%", 1)[0] if isinstance(ip, str) else ip)
        except ValueError:
            return (repr(ip), "not an IP address")
        embedded = _embedded_ipv4(addr) if isinstance(addr, ipaddress.IPv6Address) else None
        note = f" (it stands for IPv4 {embedded})" if embedded is not None else ""
        service = METADATA_ADDRESSES.get(embedded or addr)
        if service is not None:
            return (str(addr), f"a cloud metadata address ({service}){note}, never allowed")
        if any(addr in net for net in self.allowed_networks if net.version == addr.version):
            return None
        kind = _classify(embedded or addr)
        if kind is None:
            return None
        openable = kind in ("loopback", "private", "non-public")
        if self.allow_private and openable:
            return None
        article = "an" if kind[0] in "aeiou" else "a"
        return (str(addr), f"{article} {kind} address{note}{ALLOW_HINT if openable else ''}")


def _classify(addr: IPAddress) -> str | None:
    """The kind of special-purpose range `addr` is in, or None for a public unicast address.

    IPv6 forms that embed an IPv4 address are unwrapped by the caller first.
    """
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local"
    if addr.is_multicast:
        return "multicast"
    if addr.is_reserved:
        return "reserved"
    if addr.is_private:
        return "private"
    if (isinstance(addr, ipaddress.IPv4Address) and addr in _SHARED) or not addr.is_global:
        return "non-public"
    return None


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4, Teredo client), if any.

    Each of these reaches an IPv4 host, so `::ffff:10.0.0.1` must be judged as 10.0.0.1.
    """
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """All addresses `host` resolves to, via getaddrinfo in a worker thread (never blocks the loop)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = str(sockaddr[0])
        if ip not in seen:
            seen.append(ip)
    return seen


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that checks every address before connecting to it."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        backend: httpcore.AsyncNetworkBackend | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.policy = policy
        self._backend = backend or httpcore.AnyIOBackend()
        self._resolve = resolver or system_resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from None
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise ResolveFailed(host, _gai_detail(exc)) from exc
        if not addresses:
            raise ResolveFailed(host, "no addresses")
        # Refuse when any answer is refused: a name that mixes public and private answers
        # is either misconfigured or an attack, and picking the "good" one invites races.
        for ip in addresses:
            refusal = self.policy.refusal(ip)
            if refusal is not None:
                addr, phrase = refusal
                literal = _same_ip(host, ip)
                raise AddressRefused(host, f"{addr} is {phrase}" if literal else f"{host} resolves to {addr}, {phrase}")
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self._backend.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise AddressRefused(path, f"unix socket {path!r} is not a network address")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _same_ip(host: str, ip: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")) == ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False


def _gai_detail(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


# httpcore → httpx exception classes, most specific first (both sides are public API, and
# httpx names each class as httpcore does).
_EXC_MAP: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = tuple(
    (getattr(httpcore, name), getattr(httpx, name))
    for name in (
        "ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "TimeoutException",
        "ConnectError", "ReadError", "WriteError", "NetworkError",
        "UnsupportedProtocol", "LocalProtocolError", "RemoteProtocolError", "ProtocolError",
    )
)


def _translate(exc: Exception) -> Exception:
    for core_cls, httpx_cls in _EXC_MAP:
        if isinstance(exc, core_cls):
            return httpx_cls(str(exc))
    return exc


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: typing.AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except Exception as exc:
            new = _translate(exc)
            if new is exc:
                raise
            raise new from exc

    async def aclose(self) -> None:
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            await aclose()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose every new connection goes through `GuardedBackend`.

    httpx's own `AsyncHTTPTransport` takes no network backend, so this is the same thin
    request/response translation over an `httpcore.AsyncConnectionPool` we configure.
    No proxy support on purpose: a proxy would connect on our behalf, unchecked.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        max_connections: int = 16,
        verify: ssl.SSLContext | bool = True,
        backend: httpcore.AsyncNetworkBackend | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        ssl_context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
        self.backend = GuardedBackend(policy, backend=backend, resolver=resolver)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            http1=True,
            http2=False,
            network_backend=self.backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = await self._pool.handle_async_request(core_request)
        except Exception as exc:
            new = _translate(exc)
            if new is exc:
                raise
            raise new from exc
        assert isinstance(response.stream, typing.AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
