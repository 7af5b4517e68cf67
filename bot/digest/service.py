"""The digest as plain functions: what the CLI, the scheduler and the Slack app call.

Subscriptions are validated here, before anything is written, and every change goes to the
audit log with who made it and the settings before and after. Callers interested in
subscription changes (the scheduler) register with `on_subscription_change`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Callable

from bot.config import Settings
from bot.digest.post import PostResult, post_run
from bot.digest.context import build_context, with_why_it_matters
from bot.digest.render import (
    DEFAULT_TEMPLATE,
    TemplateProblem,
    available_templates,
    normalize_name,
    render_messages,
    render_template,
)
from bot.digest.followup import FOLLOW_DAYS, Earlier, find_followups
from bot.digest.schedule import GRACE, check_tz, due_slot, normalize_at, parse_days, parse_weekly, period
from bot.digest.select import MAX_WINDOW, Selection, Window, choose, drop_muted, window_for
from bot.digest.terminal import messages_to_text
from bot.digest.validate import Message
from bot.models import DigestCandidate, Subscription, is_user_id
from bot.store import RunConflict, SlotTaken

log = logging.getLogger("aibrief.digest")

MAX_ITEMS_LIMIT = 50
DEFAULT_TOP = 5  # stories in the channel message of a new subscription (`--top N`)
# IDs hold digits; names need not. U…/W… are people: their digest goes to them by DM.
_CHANNEL = re.compile(r"^[CGDUW](?=[A-Z0-9]*\d)[A-Z0-9]{6,20}$")


class SubscriptionError(ValueError):
    """A subscription change that cannot be made; the message says why, in one line."""


# ---- change notifications -------------------------------------------------------------------
_listeners: list[Callable[[str], None]] = []
_listeners_lock = threading.Lock()


def on_subscription_change(callback: Callable[[str], None]) -> Callable[[], None]:
    """Call `callback(channel)` after every subscribe/unsubscribe; returns an unregister function."""
    with _listeners_lock:
        _listeners.append(callback)

    def remove() -> None:
        with _listeners_lock:
            if callback in _listeners:
                _listeners.remove(callback)

    return remove


def _notify(channel: str) -> None:
    with _listeners_lock:
        listeners = list(_listeners)
    for cb in listeners:
        try:
            cb(channel)
        except Exception:  # a listener's failure must not undo the admin's change
            log.exception("subscription listener failed channel=%s", channel)


# ---- subscriptions ------------------------------------------------------------------------------
def normalize_channel(text: str) -> str:
    """A Slack channel ID from 'C0123ABCD', '<#C0123ABCD|general>' or '#C0123ABCD'; or a
    user ID ('U0123ABCD', '<@U0123ABCD>') for that person's digest by DM."""
    value = (text or "").strip()
    m = re.match(r"^<[#@]([A-Za-z0-9]+)(?:\|[^>]*)?>$", value)
    if m:
        value = m.group(1)
    value = value.lstrip("#@").upper()
    if not _CHANNEL.match(value):
        raise SubscriptionError(
            f"bad channel {text!r}: give the channel ID (e.g. C0123ABCD; in Slack: channel details → About), "
            "or a user ID (U0123ABCD) for a digest by DM"
        )
    return value


is_personal = is_user_id  # a subscription keyed by a user ID: that person's own digest, by DM


def _check_template(name: str, settings: Settings) -> str:
    try:
        name = normalize_name(name)
    except ValueError as exc:
        raise SubscriptionError(str(exc)) from None
    names = available_templates(settings.digests_dir)
    if name not in names:
        raise SubscriptionError(f"no template digests/{name}.j2 (available: {', '.join(names) or 'none'})")
    try:  # a trial render on sample stories, so a broken template is refused now, not at 9:00
        render_template(name, sample_context(), settings.digests_dir)
    except TemplateProblem as exc:
        raise SubscriptionError(f"template does not work: {exc}") from None
    return name


def subscribe(
    store,
    actor: str,
    channel: str,
    at: str = "09:00",
    tz: str = "UTC",
    watchlists: list[str] | None = None,
    template: str | None = None,
    max_items: int | None = None,
    post_empty: bool = False,
    *,
    days: str | None = None,
    weekly: str | None = None,
    settings: Settings | None = None,
    now: int | None = None,
) -> Subscription:
    """Add or change a channel's (or a person's DM) digest. `watchlists`/`template` None keep
    the current choice (a new subscription: every watchlist, digests/daily.j2); the empty
    tuple `()` is "no team watchlist" (a DM digest of the person's saved searches only).
    `days` ("mon-fri", "mon,thu", "daily") or `weekly` ("fri"), None: keep the schedule's days.
    `max_items` (the `--top N` stories in the channel message) None keeps it too (a new one: DEFAULT_TOP)."""
    settings = settings or Settings()
    channel = normalize_channel(channel)
    try:
        at = normalize_at(at)
        check_tz(tz)
    except ValueError as exc:
        raise SubscriptionError(str(exc)) from None
    tz = tz.strip()
    existing = store.get_subscription(channel)
    try:
        if weekly is not None:
            day_list, is_weekly = parse_weekly(weekly), True
        elif days is not None:
            day_list, is_weekly = parse_days(days), False
        else:
            day_list, is_weekly = (existing.days, existing.weekly) if existing else ("", False)
    except ValueError as exc:
        raise SubscriptionError(str(exc)) from None
    if watchlists is None:
        chosen = existing.watchlists if existing else None
    elif isinstance(watchlists, tuple) and not watchlists:
        if not is_personal(channel):
            raise SubscriptionError("a channel's digest needs at least one watchlist (or all of them)")
        chosen = ()
    else:
        names = list(dict.fromkeys(w.strip().lower() for w in watchlists if w.strip()))
        unknown = [n for n in names if store.get_watchlist(n) is None]
        if unknown:
            raise SubscriptionError(
                f"unknown watchlist {', '.join(repr(u) for u in unknown)} (see `aibrief watch list`)"
            )
        chosen = tuple(names) or None
    if template is None:
        template_name = existing.template if existing else DEFAULT_TEMPLATE
    else:
        template_name = _check_template(template, settings)
    if max_items is None:
        max_items = existing.max_items if existing else DEFAULT_TOP
    if not isinstance(max_items, int) or not 1 <= max_items <= MAX_ITEMS_LIMIT:
        raise SubscriptionError(f"--top must be 1..{MAX_ITEMS_LIMIT}, not {max_items!r}")
    sub = Subscription(
        channel=channel, at=at, tz=tz, watchlists=chosen, template=template_name,
        max_items=max_items, post_empty=bool(post_empty), enabled=True, days=day_list, weekly=is_weekly,
    )
    before, after = store.save_subscription(sub, actor=actor, now=now)
    store.audit(actor, "digest.subscribe", channel, before.settings() if before else None, after.settings())
    _notify(channel)
    return after


def unsubscribe(store, actor: str, channel: str) -> Subscription:
    channel = normalize_channel(channel)
    removed = store.remove_subscription(channel)
    if removed is None:
        raise SubscriptionError(f"{channel} has no digest subscription (see `aibrief channels list`)")
    store.audit(actor, "digest.unsubscribe", channel, removed.settings(), None)
    _notify(channel)
    return removed


# ---- rendering ---------------------------------------------------------------------------------
@dataclass
class RenderedDigest:
    """A channel's digest, rendered and validated, not yet posted (nothing written)."""

    channel: str | None
    window: Window
    selection: Selection
    messages: list[Message]
    template: str
    errors: list[str] = field(default_factory=list)
    post_empty: bool = False
    elapsed_ms: float = 0.0

    @property
    def empty(self) -> bool:
        return self.selection.empty

    @property
    def stories(self) -> int:
        return len(self.selection.stories)

    def plan(self) -> list[dict]:
        return [m.as_dict() for m in self.messages]

    def as_text(self) -> str:
        return messages_to_text(self.messages)

    def as_blocks_json(self) -> str:
        return json.dumps(
            [{"thread_reply": m.thread, "text": m.text, "blocks": m.blocks} for m in self.messages],
            ensure_ascii=False,
            indent=2,
        )


def more_search(store, stories) -> str | None:
    """A search that finds the stories left out: the OR of their watchlists' queries, or the
    query of the watchlist most of them matched when that is too long."""
    from bot.query import QueryError, parse

    counts = Counter(w for s in stories for w in s.watchlists)
    if not counts:
        return None
    queries = []
    for name, _ in counts.most_common():
        wl = store.get_watchlist(name)
        if wl is not None:
            queries.append(wl.query)
    options = []
    if len(queries) > 1:
        options.append(" OR ".join(f"({q})" for q in queries))
    options += queries[:1]
    for q in options:
        try:
            parse(q)
        except QueryError:
            continue
        return q
    return None


def watchlist_queries(store) -> dict[str, str]:
    """Every watchlist's query by name: the digest bolds the words that made each item match."""
    return {w.name: w.query for w in store.list_watchlists()}


def digest_queries(store, channel: str | None) -> dict[str, str]:
    """watchlist_queries, plus a person's saved searches for their DM digest (by label)."""
    queries = watchlist_queries(store)
    if channel and is_personal(channel):
        from bot.store import personal_label

        queries.update({personal_label(w.query): w.query for w in store.personal_watches(channel)})
    return queries
def followups(store, channel: str, selection: Selection, now: int) -> dict:
    """The selection's stories that follow up a story sent to `channel` in the last
    FOLLOW_DAYS days (bot/digest/followup.py): shown article id → Earlier."""
    since = now - FOLLOW_DAYS * 86400
    earlier = [Earlier(article, channel, ts, sent) for article, ts, sent in store.sent_articles(channel, since=since)]
    return find_followups(selection.stories, earlier) if earlier else {}


def _epoch(now: datetime | int | None) -> int:
    if now is None:
        return int(datetime.now(timezone.utc).timestamp())
    if isinstance(now, datetime):
        return int(now.timestamp())
    return int(now)


def scheduled_window(store, sub: Subscription | None, channel: str | None, end: int) -> Window:
    """The window of `channel`'s digest at `end`: since its last digest; a first digest, or
    the longest a window may be, follow the schedule's gap (bot/digest/select.py)."""
    last_end = store.digest_window_end(channel) if channel else None
    if sub is None or not sub.days:
        return window_for(last_end, end)
    try:
        gap = int(period(sub, datetime.fromtimestamp(end, tz=timezone.utc)).total_seconds())
    except ValueError:  # a zone the tz database no longer knows: the daily rule
        return window_for(last_end, end)
    return window_for(last_end, end, first=min(gap, MAX_WINDOW + 3600), longest=gap)


def gather_candidates(store, channel: str | None, opts: Subscription, window: Window, *,
                      exclude_sent: bool = True) -> list[DigestCandidate]:
    """The window's candidates for `channel`: what its watchlists matched, and for a
    person's DM digest what their own saved searches matched too (one candidate an article)."""
    sent_to = channel if exclude_sent else None
    fetched_until = window.fetched_until or window.end
    candidates = store.digest_candidates(
        sent_to,
        opts.watchlists,
        fetched_after=window.query_start,
        fetched_until=fetched_until,
        published_since=window.published_floor,
        published_until=window.published_until,
    )
    if channel and is_personal(channel):
        mine = store.personal_candidates(
            channel, fetched_after=window.query_start, fetched_until=fetched_until,
            published_since=window.published_floor, published_until=window.published_until,
            exclude_sent=exclude_sent,
        )
        by_id = {c.article_id: c for c in candidates}
        for c in mine:
            team = by_id.get(c.article_id)
            by_id[c.article_id] = c if team is None else replace(
                team, watchlists=tuple(sorted(set(team.watchlists) | set(c.watchlists))), score=max(team.score, c.score))
        candidates = sorted(by_id.values(), key=lambda c: (c.published, c.article_id), reverse=True)
    return candidates


def render_digest(store, settings: Settings, channel: str | None, now: datetime | int | None = None, *,
                  window: Window | None = None, exclude_sent: bool | None = None) -> RenderedDigest:
    """What `channel` would be sent now: articles its watchlists matched since its last
    digest, not yet sent to it. No channel: a preview of the last 24 hours. `window` (a
    preview, select.explicit_window) renders that window instead; a preview then includes
    articles already sent (`exclude_sent` False) unless it is to be posted."""
    started = time.perf_counter()
    channel = normalize_channel(channel) if channel else None
    end = _epoch(now)
    sub = store.get_subscription(channel) if channel else None
    opts = sub or Subscription(channel=channel or "")
    if window is None:
        window = scheduled_window(store, sub, channel, end)
    if exclude_sent is None:
        exclude_sent = not window.preview
    candidates = gather_candidates(store, channel, opts, window, exclude_sent=exclude_sent)
    if channel:  # sources an admin muted for this channel (`aibrief channels mute`)
        candidates = drop_muted(candidates, [m.source for m in store.channel_mutes(channel)])
    selection = choose(candidates, start=window.start_dt, end=window.end_dt, max_items=opts.max_items)
    context = build_context(
        selection, window=window, tz=opts.tz, channel=channel, more_search=more_search(store, selection.rest),
        queries=digest_queries(store, channel), updates=followups(store, channel, selection, end) if channel else None,
    )
    if settings.llm_enabled:  # optional: the model's "why it matters" per story (bot/llm/why.py)
        from bot.llm.why import why_lines

        context = with_why_it_matters(context, why_lines(store, settings, [i.article_id for i in context["items"]]))
    result = render_messages(opts.template, context, settings.digests_dir)
    return RenderedDigest(
        channel=channel,
        window=window,
        selection=selection,
        messages=result.messages,
        template=result.template,
        errors=result.errors,
        post_empty=opts.post_empty,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


# ---- posting -----------------------------------------------------------------------------------
def post_digest(
    store,
    settings: Settings,
    client,
    channel: str,
    now: datetime | int | None = None,
    *,
    slot: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    owner: str | None = None,
    window: Window | None = None,
) -> PostResult:
    """Send `channel` its digest, exactly once.

    A digest left unfinished (crash, Slack outage) is finished first. Then the new one is
    rendered, recorded with its message plan and its articles, and posted. `slot` (the
    local date of a scheduled digest) makes a scheduled digest happen at most once a day.
    `window` posts a preview window (`aibrief digest --since … --post`): only what the
    channel has not been sent, like any digest.
    """
    channel = normalize_channel(channel)
    resumed = None
    for run in store.unfinished_digest_runs(channel):
        resumed = post_run(store, client, run.id, sleep=sleep, owner=owner)
        if resumed.status in ("pending", "busy"):
            return resumed  # still unfinished: resumed later, nothing new on top of it
    end = _epoch(now)
    result = None
    for _ in range(5):
        rd = render_digest(store, settings, channel, end, window=window, exclude_sent=True)
        if rd.empty and not rd.post_empty:
            try:
                store.record_empty_digest(channel, window_end=rd.window.end, slot=slot)
            except SlotTaken:
                result = PostResult(channel, "skipped", error="today's scheduled digest already ran")
                break
            result = PostResult(channel, "empty")
            break
        try:
            run = store.create_digest_run(
                channel,
                window_start=rd.window.start,
                window_end=rd.window.end,
                plan=rd.plan(),
                article_ids=rd.selection.article_ids,
                template=rd.template,
                slot=slot,
            )
        except SlotTaken:
            result = PostResult(channel, "skipped", error="today's scheduled digest already ran")
            break
        except RunConflict:
            same = [r for r in store.digest_runs(channel, limit=20) if int(r.window_end.timestamp()) == rd.window.end]
            if same and same[0].status == "pending":  # recorded a moment ago by another process
                return post_run(store, client, same[0].id, sleep=sleep, owner=owner)
            if same and same[0].status == "done":
                result = PostResult(channel, "skipped", same[0].id, error="this digest was already posted")
                break
            if same:  # a failed attempt this very second: the new digest ends a second later
                end = rd.window.end + 1
            continue  # or some articles went to a concurrent digest: select again
        result = post_run(store, client, run.id, sleep=sleep, owner=owner)
        if rd.errors and result.status == "posted":
            store.note_subscription_problem(channel, "template: " + " | ".join(rd.errors))
        break
    if result is None:
        result = PostResult(channel, "pending", error="could not reserve the articles (concurrent digests); will retry")
    if resumed is not None and result.status in ("empty", "skipped"):
        return resumed  # what this call did: it finished the interrupted digest
    return result


def resume_unfinished(store, settings: Settings, client, *, max_age=GRACE,
                      sleep: Callable[[float], None] = time.sleep) -> list[PostResult]:
    """Finish digests a crash or an outage left half-posted; give up on those older than
    `max_age` (recorded on the subscription for admins)."""
    results = []
    cutoff = datetime.now(timezone.utc) - max_age
    for run in store.unfinished_digest_runs():
        if run.created_at and run.created_at < cutoff:
            hours = int(max_age.total_seconds() // 3600)
            text = f"gave up: the digest could not be posted within {hours} h ({run.error})"
            store.fail_digest_run(run.id, text)
            store.record_subscription_error(run.channel, text)
            results.append(PostResult(run.channel, "failed", run.id, error=text))
            continue
        results.append(post_run(store, client, run.id, sleep=sleep))
    return results


def run_scheduled(store, settings: Settings, client, channel: str, now: datetime | None = None,
                  *, sleep: Callable[[float], None] = time.sleep) -> PostResult | None:
    """The scheduler's job: post the channel's digest if one is due (fired within the grace
    period and not yet done for that local date)."""
    sub = store.get_subscription(channel)
    if sub is None or not sub.enabled:
        return None
    now = now or datetime.now(timezone.utc)
    slot = due_slot(sub, now)
    if slot is None:
        return None
    return post_digest(store, settings, client, channel, now=now, slot=slot, sleep=sleep)


def missed_digests(store, now: datetime | None = None) -> list[str]:
    """Channels whose scheduled digest fired while the bot was down, within the grace period."""
    now = now or datetime.now(timezone.utc)
    out = []
    for s in store.list_subscriptions(enabled_only=True):
        try:
            if due_slot(s, now) is not None:
                out.append(s.channel)
        except ValueError:  # a zone the tz database no longer knows: reschedule() logs it
            continue
    return out


# ---- samples: template checks and the demo ------------------------------------------------------
def sample_context() -> dict:
    """Two stories (one covered by two outlets), for trying a template before it is used."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    ts = int(now.timestamp())

    def cand(i: int, title: str, source: str, url: str, wl: tuple) -> DigestCandidate:
        return DigestCandidate(i, url, title, "A summary & <b>sample</b> text.", source, now, now, wl, 1.0 / i)

    title = "Sample: AI leaders told to avoid travel <!here> & co"
    a = cand(1, title, "Reuters", "https://example.com/a", ("ai-security",))
    b = cand(2, title + " - Dawn", "Dawn", "https://example.org/a?utm_source=x", ("ai-security",))
    c = cand(3, "Another sample story", "AP", "https://example.net/b", ("ai-policy",))
    window = window_for(None, ts)
    selection = choose([a, b, c], start=window.start_dt, end=window.end_dt, max_items=1)
    return build_context(selection, window=window, tz="UTC", channel="C0SAMPLE", more_search="sample",
                         queries={"ai-security": "AI (travel OR security)", "ai-policy": "sample"})


def demo_digest(store, settings: Settings):
    """The digest a new channel would get from what the store holds (`aibrief demo`): every
    watchlist, every stored article (sample feeds are not necessarily recent), the default
    template and --top; a RenderResult."""
    now = _epoch(None)
    candidates = store.digest_candidates(None, None, fetched_after=0, fetched_until=now)
    if candidates:
        start = int(min(c.published for c in candidates).timestamp()) - 1
        end = max(now, int(max(c.published for c in candidates).timestamp()))
    else:
        start, end = now - 86400, now
    window = Window(start=start, end=end, query_start=start, published_floor=None)
    selection = choose(candidates, start=window.start_dt, end=window.end_dt, max_items=DEFAULT_TOP)
    context = build_context(selection, window=window, tz="UTC", more_search=more_search(store, selection.rest),
                            queries=watchlist_queries(store))
    return render_messages(DEFAULT_TEMPLATE, context, settings.digests_dir)


def demo_digest_text(store, settings: Settings) -> str:
    result = demo_digest(store, settings)
    text = messages_to_text(result.messages)
    if result.errors:
        text += "\n\n(template problems: " + " | ".join(result.errors) + ")"
    return text
