"""Small feed documents the tests serve on loopback: one fixed RSS document, and RSS with
`n` dated items under a given title."""

from __future__ import annotations

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback</title><link>http://127.0.0.1/</link>
<item><title>One</title><link>http://127.0.0.1/one</link></item></channel></rss>"""


def rss(title: str, n: int = 4) -> bytes:
    items = "".join(f"<item><title>{title} item {i}</title><link>https://news.example/{title}/{i}</link>"
                    f"<pubDate>0{i + 1} Mar 2025 10:00:00 GMT</pubDate></item>" for i in range(n))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'.encode()
