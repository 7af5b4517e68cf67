"""The feed stage: fetch (bounded HTTP), parse (feedparser, made safe), normalize (plain text Articles), OPML.

Folder per stage in the Miniflux manner. Callers import from the stage modules themselves
(bot.feeds.fetch, bot.feeds.parse, …); the names below are re-exported for a caller that
wants the stage as one namespace.
"""

from bot.feeds.fetch import FeedRequest, FetchLimits, fetch_many, fetch_many_async, fetch_one, make_client
from bot.feeds.netpolicy import AddressPolicy
from bot.feeds.opml import OpmlError, read_opml, write_opml
from bot.feeds.parse import parse_feed

__all__ = [
    "AddressPolicy",
    "FeedRequest",
    "FetchLimits",
    "OpmlError",
    "fetch_many",
    "fetch_many_async",
    "fetch_one",
    "make_client",
    "parse_feed",
    "read_opml",
    "write_opml",
]
