"""Follow-ups, not repeats: a new article about a story a channel was already sent.

Why: a story runs for days. Tuesday's digest carried "Lab X leaks model weights"; on
Wednesday three outlets report the arrests. Shown as a new story, it reads like a repeat
and pushes Wednesday's real news down; shown as "Update:" under the title the channel saw,
with a link to that digest, it reads as what it is.

An article is a follow-up when `same_story` (bot/digest/cluster.py, the rule clustering
uses, with words weighed among all the articles compared) holds between it and an article this channel was sent in the last FOLLOW_DAYS days.
The store (bot/store/followups.py) gives what was sent, with the Slack ts of the message
that carried it; the permalink is built from that ts. The same article is never sent twice
to one channel: the store never offers an article already sent (digest_items).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from bot.digest.cluster import SameStory, Story
from bot.models import DigestCandidate

FOLLOW_DAYS = 7
PERMALINK_BASE = "https://slack.com/archives"


@dataclass(frozen=True)
class Earlier:
    """An article a digest sent to the channel, and where that digest is in Slack."""

    article: DigestCandidate
    channel: str
    message_ts: str  # the Slack ts of the digest message (the channel message)
    sent_ts: int  # when the digest was posted (unix seconds)

    @property
    def title(self) -> str:
        return self.article.title

    @property
    def permalink(self) -> str:
        return permalink(self.channel, self.message_ts)


def permalink(channel: str, ts: str, base: str = PERMALINK_BASE) -> str:
    """A link to a message from its channel and ts, as chat.getPermalink shapes it
    (`…/archives/C0123/p1700000000000100`); slack.com sends a signed-in reader on to their
    workspace, so no API call (or token) is needed to render a digest."""
    seconds, _, micros = str(ts).partition(".")
    return f"{base}/{channel}/p{seconds}{(micros + '000000')[:6]}"


def find_followups(stories: Sequence[Story], earlier: Iterable[Earlier]) -> dict[int, Earlier]:
    """For each story that follows up an earlier one: its shown article's id → the earliest
    sent article it reports on (so every update of one story links to where it began)."""
    earlier = sorted(earlier, key=lambda e: (e.sent_ts, e.article.article_id))
    # word rarity judged among everything compared, as `cluster` judges it within a digest
    same = SameStory([m for s in stories for m in s.members] + [e.article for e in earlier])
    found: dict[int, Earlier] = {}
    for story in stories:
        for e in earlier:
            if any(same(m, e.article) for m in story.members):
                found[story.primary.article_id] = e
                break
    return found
