"""Content-Encoding decoding with a hard cap on the *decompressed* size.

httpx decompresses each received chunk in one call, so a 10 KB gzip chunk of zeros can
become 10 MB in memory before anyone can count it. Here zlib is asked for at most
`remaining + 1` bytes per call and the rest of the input waits in `unconsumed_tail`; the
moment the output passes the cap we stop, having held at most cap + 1 bytes.
"""

from __future__ import annotations

import zlib


class BodyTooLarge(Exception):
    """The body (on the wire or after decompression) passed the cap."""


class UnsupportedEncoding(Exception):
    """A Content-Encoding we did not ask for and cannot decode."""


SUPPORTED = ("gzip", "deflate")
ACCEPT_ENCODING = "gzip, deflate"


class CappedDecoder:
    """Decodes one response body chunk by chunk, never producing more than `cap` bytes in total."""

    def __init__(self, content_encoding: str | None, cap: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise UnsupportedEncoding(f"stacked content-encodings {', '.join(codings)!s} are not supported")
        self.coding = codings[0] if codings else None
        if self.coding == "x-gzip":
            self.coding = "gzip"
        if self.coding is not None and self.coding not in SUPPORTED:
            raise UnsupportedEncoding(f"unsupported content-encoding {self.coding!r}")
        self.cap = cap
        self.total = 0
        self._z = self._new_decompressor()
        self._deflate_sniffed = False

    def _new_decompressor(self):
        if self.coding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.coding == "deflate":
            return zlib.decompressobj()
        return None

    def _count(self, out: bytes) -> bytes:
        self.total += len(out)
        if self.total > self.cap:
            raise BodyTooLarge()
        return out

    def feed(self, data: bytes) -> bytes:
        """Decoded bytes for one wire chunk; raises BodyTooLarge once the total passes the cap."""
        if self._z is None:
            return self._count(data)
        if self.coding == "deflate" and not self._deflate_sniffed and data:
            # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
            self._deflate_sniffed = True
            if not _looks_like_zlib(data):
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        parts: list[bytes] = []
        pending = data
        try:
            while pending:
                out = self._z.decompress(pending, self.cap - self.total + 1)
                parts.append(self._count(out))
                if self._z.eof:
                    # A gzip body may hold several members; anything else after the end is junk.
                    rest = self._z.unused_data
                    if self.coding == "gzip" and rest.startswith(b"\x1f\x8b"):
                        self._z = self._new_decompressor()
                        pending = rest
                        continue
                    break
                pending = self._z.unconsumed_tail
        except zlib.error as exc:
            raise ValueError(f"corrupt {self.coding} body: {exc}") from None
        return b"".join(parts)

    def flush(self) -> bytes:
        if self._z is None:
            return b""
        try:
            return self._count(self._z.flush())
        except zlib.error as exc:
            raise ValueError(f"corrupt {self.coding} body: {exc}") from None


def _looks_like_zlib(data: bytes) -> bool:
    if len(data) < 2:
        return True
    cmf, flg = data[0], data[1]
    return cmf & 0x0F == 8 and (cmf << 8 | flg) % 31 == 0
