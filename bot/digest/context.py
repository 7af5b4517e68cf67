"""What digest templates see: `build_context` turns a selection of stories into the
`digest`, `items`, `rest`, `stories` and `clustered` variables, every string from outside
wrapped as escape.py's `Text` (or `Marked`, with the words that made it match in bold).

Kept apart from rendering so that what a template may use is read in one place: these
dataclasses are the whole of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot import mrkdwn
from bot.digest.cluster import Story
from bot.digest.escape import Marked, Text, Trusted, json_body
from bot.digest.items import ITEM_ACTION, action_value, group_top, rest_value
from bot.digest.leadline import lead_line
from bot.digest.select import FULL_LIST_MAX, Selection, Window
from bot.feedback import button_value

DIGEST_TITLE = "AI security brief"
TITLE_MAX = 250
SUMMARY_MAX = 280


# ---- what templates see ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AlsoIn:
    title: Text
    url: str
    source: Text
    time: Text
    ts: int


@dataclass(frozen=True)
class Update:
    """The earlier digest story a new article follows up (bot/digest/followup.py)."""

    title: Text  # the story's title as it was sent
    url: str  # the earlier digest message in Slack (a permalink)
    ts: int  # when it was sent
    time: Text


@dataclass(frozen=True)
class Item:
    rank: int
    title: Text
    url: str
    source: Text
    summary: Text
    published: datetime
    ts: int
    time: Text  # local "14:05", or "Mon 14:05" when not the digest's day
    watchlists: list
    score: float
    also: list
    article_id: int
    # why it is here (bot/explain.py): the title and summary with the words that matched its
    # watchlists' queries in bold, and those watchlists as one line ("ai-security · ai-policy")
    marked_title: Marked = Marked("")
    marked_summary: Marked = Marked("")
    why: Text = Text("")
    # the "Not relevant" control: its value (bot/feedback.py) and a label short enough for a
    # select option (at most OPTION_LABEL characters once escaped)
    feedback: Trusted = Trusted("")
    option_label: Text = Text("")
    # the first sentence of the article without page scraps (bot/digest/leadline.py), and
    # the watchlist it is grouped under when the digest covers several
    lead: Marked = Marked("")
    group: Text = Text("")
    # the per-item menu's option values (action_id ITEM_ACTION): Share… and Save for later
    share: Trusted = Trusted("")
    save: Trusted = Trusted("")
    update: Update | None = None  # set: a follow-up of a story sent before
    # the model's "why it matters" sentence (bot/llm/why.py), None when the model is off or
    # had none: templates show it marked as machine-written
    why_it_matters: Text | None = None


@dataclass(frozen=True)
class DigestInfo:
    title: Text
    date: Text
    date_short: Text
    since: Text
    tz: Text
    channel: Text | None
    count: int  # stories
    articles: int
    shown: int
    more: int
    listed: int  # stories in the thread's full list
    unlisted: int  # stories counted but not listed
    more_search: Text | None
    watchlists: list
    empty: bool
    window_start: datetime
    window_end: datetime
    since_ts: int = 0  # window start and end, unix seconds (for slack_date)
    end_ts: int = 0
    search: Trusted = Trusted("")  # the "Search the rest" button's value (bot/digest/items.py; '' when none)
    grouped: bool = False  # the top stories come under more than one watchlist


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _local_time(dt: datetime, tz: ZoneInfo, day_of: datetime) -> str:
    """'14:05' on the digest's day, 'Mon 14:05' within the week before, else '5 Mar 2025'."""
    local = dt.astimezone(tz)
    days = (day_of.date() - local.date()).days
    if days == 0:
        return f"{local:%H:%M}"
    if 0 < days < 6:
        return f"{local:%a %H:%M}"
    return f"{local.day} {local:%b %Y}"


# A select option's label is at most 75 characters; the rank ("12. ") goes in front.
OPTION_LABEL = 70


def _fit_escaped(text: str, limit: int) -> str:
    """`text` cut so that, escaped for mrkdwn, it is at most `limit` characters."""
    room = limit
    while True:
        cut = mrkdwn.truncate(text, room)
        over = len(mrkdwn.escape(cut)) - limit
        if over <= 0 or room <= 1:
            return cut
        room = max(1, room - over)


def _watch_nodes(queries: dict[str, str] | None) -> dict[str, object]:
    """Each watchlist's query as matching runs it (parse_watchlist); broken ones left out."""
    from bot.query import QueryError, parse_watchlist

    nodes = {}
    for name, query in (queries or {}).items():
        try:
            nodes[name] = parse_watchlist(query)
        except QueryError:
            continue
    return nodes


def _spans(nodes: list, text: str) -> list[tuple[int, int]]:
    from bot.explain import highlight_spans
    from bot.query import Or

    if not nodes or not text:
        return []
    return highlight_spans(nodes[0] if len(nodes) == 1 else Or(tuple(nodes)), text)


def _item(rank: int, story: Story, tz: ZoneInfo, end_local: datetime, nodes: dict | None = None,
          group: str = "", update: Update | None = None) -> Item:
    p = story.primary
    title = mrkdwn.truncate(_one_line(p.title) or p.url, TITLE_MAX)
    summary = mrkdwn.truncate(_one_line(p.summary), SUMMARY_MAX)
    matched_by = [nodes[w] for w in story.watchlists if w in (nodes or {})]
    lead = lead_line(_one_line(p.summary), _one_line(p.title))
    return Item(
        rank=rank,
        title=Text(title),
        url=p.url,
        source=Text(_one_line(p.source) or "unknown source"),
        summary=Text(summary),
        published=p.published,
        ts=int(p.published.timestamp()),
        time=Text(_local_time(p.published, tz, end_local)),
        watchlists=[Text(w) for w in story.watchlists],
        score=story.score,
        also=[
            AlsoIn(
                title=Text(mrkdwn.truncate(_one_line(a.title), TITLE_MAX)),
                url=a.url,
                source=Text(_one_line(a.source) or "unknown source"),
                time=Text(_local_time(a.published, tz, end_local)),
                ts=int(a.published.timestamp()),
            )
            for a in story.also
        ],
        article_id=p.article_id,
        marked_title=Marked(title, _spans(matched_by, title)),
        marked_summary=Marked(summary, _spans(matched_by, summary)),
        why=Text(" · ".join(story.watchlists)),
        feedback=Trusted(json_body(button_value(p.article_id, story.watchlists))) if story.watchlists else Trusted(""),
        option_label=Text(_fit_escaped(f"{rank}. {title}", OPTION_LABEL)),
        lead=Marked(lead, _spans(matched_by, lead)),
        group=Text(group),
        share=Trusted(json_body(action_value("share", p.article_id))),
        save=Trusted(json_body(action_value("save", p.article_id))),
        update=update,
    )


def build_context(
    selection: Selection,
    *,
    window: Window,
    tz: str = "UTC",
    channel: str | None = None,
    more_search: str | None = None,
    title: str = DIGEST_TITLE,
    queries: dict[str, str] | None = None,
    updates: dict | None = None,
) -> dict:
    """What templates see. `queries` (watchlist name → query) lets each item say why it
    matched: the words its watchlists' queries found are bold in `marked_title` and
    `marked_summary`. `updates` (article id of a story's shown article → bot.digest.followup
    .Earlier) marks follow-ups of stories this channel was sent before."""
    zone = ZoneInfo(tz)
    end_local = window.end_dt.astimezone(zone)
    top_stories, groups = group_top(selection.top)
    stories = top_stories + selection.rest
    nodes = _watch_nodes(queries)
    updates = updates or {}

    def update_of(story: Story) -> Update | None:
        e = updates.get(story.primary.article_id)
        if e is None:
            return None
        return Update(title=Text(mrkdwn.truncate(_one_line(e.title), TITLE_MAX)), url=e.permalink, ts=e.sent_ts,
                      time=Text(_local_time(datetime.fromtimestamp(e.sent_ts, tz=timezone.utc), zone, end_local)))

    items = [_item(i, s, zone, end_local, nodes, groups.get(i - 1, ""), update_of(s)) for i, s in enumerate(stories, 1)]
    top = items[: len(top_stories)]
    full = items[:FULL_LIST_MAX]
    since = _local_time(window.start_dt, zone, end_local)
    info = DigestInfo(
        title=Text(title),
        date=Text(f"{end_local:%A} {end_local.day} {end_local:%B %Y}"),
        date_short=Text(f"{end_local:%a} {end_local.day} {end_local:%b}"),
        since=Text(f"{since} {end_local.tzname() or tz}"),
        tz=Text(tz),
        channel=Text(channel) if channel else None,
        count=len(stories),
        articles=len(selection.article_ids),
        shown=len(top),
        more=len(items) - len(top),
        listed=len(full),
        unlisted=max(0, len(items) - len(full)),
        more_search=Text(more_search) if more_search else None,
        watchlists=[Text(w) for w in sorted({w for s in stories for w in s.watchlists})],
        empty=not stories,
        window_start=window.start_dt,
        window_end=window.end_dt,
        since_ts=window.start,
        end_ts=window.end,
        search=Trusted(json_body(rest_value(sorted({w for s in stories for w in s.watchlists}), window.start, window.end,
                                            len(top)) or "")) if len(items) > len(top) else Trusted(""),
        grouped=len({i.group for i in top}) > 1,
    )
    return {
        "digest": info,
        "items": top,
        "groups": [{"name": name, "stories": [i for i in top if i.group == name]}
                   for name in dict.fromkeys(i.group for i in top)] if info.grouped else [],
        "rest": full[len(top):],
        "stories": full,
        "clustered": [i for i in full if i.also],
        "item_action": ITEM_ACTION,
    }


def with_why_it_matters(context: dict, lines: dict[int, str]) -> dict:
    """`context` with each story's `why_it_matters` set from `lines` (article id → sentence,
    plain text: escaped like all feed text when shown)."""
    if not lines:
        return context

    def add(item: Item) -> Item:
        line = lines.get(item.article_id)
        return replace(item, why_it_matters=Text(line)) if line else item

    out = {**context, **{k: [add(i) for i in context[k]] for k in ("items", "rest", "stories", "clustered")}}
    out["groups"] = [{**g, "stories": [add(i) for i in g["stories"]]} for g in context.get("groups", [])]
    return out
