"""One call to an OpenAI-compatible `POST …/v1/chat/completions`, bounded and never redirected.

The endpoint is the operator's own setting, so it may be on loopback or the intranet (a
local Ollama is `http://localhost:11434`): the addresses its host name resolves to when the
bot starts are allowed even when AIBRIEF_ALLOW_PRIVATE_NETWORKS is off. Nothing else is:
redirects are never followed (a 3xx is a failure), so an endpoint cannot bounce the bot to
another internal address, and cloud metadata addresses stay refused (bot/feeds/netpolicy.py
checks every connection). Answers are read up to MAX_RESPONSE bytes, the whole call within
the per-call timeout.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import json
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from bot import __version__
from bot.feeds.netpolicy import AddressPolicy, GuardedTransport

MAX_RESPONSE = 256 * 1024  # bytes: a few sentences come back; anything bigger is not an answer


class LLMError(Exception):
    """A call that gave no usable answer. `kind` is a bounded label for the metrics
    (timeout, connect, http, too_large, bad_answer, over_cap, budget, busy)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Endpoint:
    url: str  # …/v1/chat/completions (bot.config.llm_endpoint)
    model: str
    api_key: str | None = None
    timeout_s: float = 20.0


def endpoint_policy(url: str, allow_private: bool = False, resolve=socket.getaddrinfo) -> AddressPolicy:
    """The address policy for the model endpoint: the feeds' policy, plus the non-public
    addresses the configured host resolves to now (loopback, private: the operator named
    them). Link-local and metadata addresses are never added."""
    host = urlsplit(url).hostname or ""
    allowed = []
    try:
        infos = resolve(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        infos = []
    for *_rest, sockaddr in infos:
        try:
            addr = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError:
            continue
        if addr.is_link_local or addr.is_multicast or addr.is_unspecified or addr.is_global:
            continue
        allowed.append(ipaddress.ip_network(addr))
    return AddressPolicy(allow_private=allow_private, allowed_networks=tuple(dict.fromkeys(allowed)))


@functools.lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One verifying TLS context for every call: loading the CA store costs ~75 ms, more than
    a loopback model call, and a digest makes a client per batch."""
    return httpx.create_ssl_context()


def make_client(policy: AddressPolicy, *, concurrency: int = 4, timeout_s: float = 20.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=GuardedTransport(policy, max_connections=concurrency, verify=_tls()),
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=False,
        trust_env=False,  # no proxies or .netrc from the environment
        headers={"User-Agent": f"aibrief/{__version__}"},
    )


async def complete(client: httpx.AsyncClient, endpoint: Endpoint, messages: list[dict], *, max_tokens: int) -> str:
    """The assistant's text for `messages`, or LLMError."""
    headers = {"Content-Type": "application/json"}
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    body = {"model": endpoint.model, "messages": messages, "max_tokens": max_tokens, "temperature": 0,
            "stream": False}
    try:
        async with asyncio.timeout(endpoint.timeout_s):
            request = client.build_request("POST", endpoint.url, headers=headers, json=body)
            response = await client.send(request, stream=True)
            try:
                if 300 <= response.status_code < 400:
                    raise LLMError("http", f"the endpoint answered HTTP {response.status_code} (a redirect; "
                                           "not followed: set AIBRIEF_LLM_URL to the final address)")
                if response.status_code != 200:
                    raise LLMError("http", f"the endpoint answered HTTP {response.status_code}")
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > MAX_RESPONSE:
                        raise LLMError("too_large", f"the answer is over {MAX_RESPONSE // 1024} KiB")
            finally:
                await response.aclose()
    except TimeoutError:
        raise LLMError("timeout", f"no answer within {endpoint.timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise LLMError("connect", f"{type(exc).__name__}: {exc}") from None
    return _content(bytes(data))


def _content(raw: bytes) -> str:
    try:
        doc = json.loads(raw)
        content = doc["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError("bad_answer", "the answer is not a chat completion") from None
    if not isinstance(content, str):
        raise LLMError("bad_answer", "the answer has no text")
    return content
