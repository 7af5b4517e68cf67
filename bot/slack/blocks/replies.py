"""The replies the app sends in a conversation: search results and Share, help, refusals
and errors, digest notices, the paged lists (feeds, watchlists, audit) and the tuning
replies (what a watchlist caught, votes, suggestions)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Iterable, Sequence

from bot.models import Feed, SearchHit, Watchlist
from bot.humanize import relative_time
from bot.mrkdwn import emphasize, emphasized_link, escape, link, truncate
from bot.redact import link_target, masked_url, public_url, redact_text
from bot.slack.limits import MAX_BLOCKS, MAX_MESSAGE_CHARS, MAX_SECTION_TEXT
from bot.store import is_capped, shown_total
from bot.slack.blocks.action_ids import (
    ACTION_LIST_MORE, ACTION_LIST_PREV, ACTION_MORE, ACTION_PREV, ACTION_SHARE, ACTION_SUGGEST, ACTION_WATCH_THIS,
    LIST_AUDIT, LIST_FEEDS, LIST_WATCH,
)
from bot.slack.blocks.parts import _button, _context, _fit, _section, code, date, local_date, message, notice

PAGE_SIZE = 5
EXAMPLE_QUERY = 'china travel OR visa -crypto'


# ---- search --------------------------------------------------------------------------------
def query_node(query: str, *, watchlist: bool = False):
    """The parsed query whose words a reply bolds (None when it does not parse)."""
    from bot.query import QueryError, parse_search, parse_watchlist

    try:
        return parse_watchlist(query) if watchlist else parse_search(query).node
    except QueryError:
        return None


def hit_text(hit: SearchHit, snippet_limit: int = 280, node=None) -> str:
    """A result: linked title, source and date (in the reader's own zone), other outlets'
    copies, snippet. With the query's parsed `node`, the words that made it match are bold in
    the title and snippet (bot.explain: the hit's own highlight spans when it has them);
    without one, the whole title is."""
    from bot.explain import highlight_spans

    title = truncate(hit.title, 200) or hit.url
    if node is None:
        head = f"*{link(hit.url, title)}*"
    else:
        head = emphasized_link(hit.url, title, highlight_spans(node, title, hit.language))
    lines = [head, f"{escape(truncate(hit.source, 80))} · {local_date(hit.published)}"]
    if hit.also:
        lines[-1] += " · also in " + ", ".join(
            link(a["url"], truncate(a["source"], 60)) if a.get("url") else escape(truncate(a["source"], 60))
            for a in hit.also[:5]
        ) + (f" and {len(hit.also) - 5} more" if len(hit.also) > 5 else "")
    if hit.snippet:
        snippet = truncate(" ".join(hit.snippet.split()), snippet_limit)
        if node is None:
            spans = ()
        elif hit.highlights and snippet == hit.snippet:
            spans = hit.highlights
        else:
            spans = highlight_spans(node, snippet, hit.language)
        lines.append("> " + emphasize(snippet, spans))
    return "\n".join(lines)


def hit_why(hit: SearchHit) -> str:
    """"matched: china (title), travel (lead) · ai-policy · ai-security": the query's terms it
    holds and the watchlists that caught it ('' when there is neither)."""
    parts = []
    if hit.matched:
        parts.append("matched: " + ", ".join(f"{escape(m.term)} ({m.field})" for m in hit.matched[:12]))
    parts += [escape(w) for w in hit.watchlists[:10]]
    return " · ".join(parts)


def _hit_blocks(hit: SearchHit, node, accessory: dict | None = None, snippet_limit: int = 280) -> list[dict]:
    out = [_section(hit_text(hit, snippet_limit, node), accessory)]
    why = hit_why(hit)
    if why:
        out.append(_context(why))
    return out


def page_value(query: str, offset: int) -> str:
    return json.dumps({"q": query, "o": offset}, ensure_ascii=False)


def share_value(article_id: int) -> str:
    return json.dumps({"id": article_id})


def suggest_value(query: str) -> str:
    return page_value(query, 0)


def watch_value(query: str) -> str:
    return json.dumps({"q": query}, ensure_ascii=False)


def _did_you_mean(suggestion: str) -> list[dict]:
    """"Did you mean *china travel*?" with a button that runs it in place of this reply."""
    return [_section(f"Did you mean *{escape(truncate(suggestion, 200))}*?",
                     _button("Search that", ACTION_SUGGEST, suggest_value(suggestion)))]


def search_results(query: str, hits: Sequence[SearchHit], total: int, offset: int = 0, *,
                   suggestion: str | None = None, admin: bool = False) -> dict:
    """The ephemeral reply to `/aibrief QUERY`: one page of results with Share, More and Back;
    "Did you mean" when it found little; "Watch this" for admins (a watchlist from the query)."""
    first, last = offset + 1, offset + len(hits)
    head = f"Results {first}–{last} of {shown_total(total)} for {code(query)}" if total > len(hits) or offset else (
        f"{total} result{'s' if total != 1 else ''} for {code(query)}"
    )
    blocks: list[dict] = [_section(head)]
    if suggestion:
        blocks += _did_you_mean(suggestion)
    node = query_node(query)
    for hit in hits:
        blocks += _hit_blocks(hit, node, _button("Share", ACTION_SHARE, share_value(hit.article_id)))
    buttons = []
    if offset > 0:
        buttons.append(_button("Back", ACTION_PREV, page_value(query, max(0, offset - PAGE_SIZE))))
    if last < total:
        left = "more" if is_capped(total) else f"{total - last} left"  # a capped total: bot/store/topk.py
        buttons.append(_button(f"More ({left})", ACTION_MORE, page_value(query, last), "primary"))
    from bot.slack.blocks.personal import notify_button  # "Notify me": bot/slack/blocks/personal.py

    buttons += [b for b in [notify_button(query)] if b]
    if admin and node is not None:
        buttons.append(_button("Watch this", ACTION_WATCH_THIS, watch_value(query)))
    if buttons:
        blocks.append({"type": "actions", "block_id": "search_pages", "elements": buttons})
    blocks.append(_context("Only you can see this. *Share* posts a result in this channel."))
    return message(f"Results for {escape(query)}", blocks)


def no_results(query: str, suggestion: str | None = None, filters=None) -> dict:
    """Never a silent zero: what was searched (words and filters), a correction when the
    index knows a close word, and what to try."""
    from bot.queryfilters import describe

    narrowed = describe(filters or {})
    text = (
        f"No stored articles match {code(query)}"
        + (f" ({escape(narrowed)})" if narrowed else "") + ".\n"
        "Try fewer or broader words, `OR` between alternatives, or a prefix such as `secur*`"
        + (", or a wider date range (`since:`, `until:`, `newer:`)" if narrowed else "")
        + f". For example: {code(EXAMPLE_QUERY)}"
    )
    blocks = [_section(text)]
    if suggestion:
        blocks = [_section(f"No stored articles match {code(query)}" + (f" ({escape(narrowed)})" if narrowed else "") + "."),
                  *_did_you_mean(suggestion), _context(text.split("\n", 1)[1])]
    return message(text, blocks)


def query_error(query: str, error) -> dict:
    """A bad query: the query language's own message, where it points, and an example."""
    pointer = error.pointer() if hasattr(error, "pointer") else query
    text = (
        f"I couldn't read that query: {escape(str(error))}\n"
        f"```{escape(pointer)}```\n"
        f"Queries are words (all must match), `\"exact phrases\"`, `OR`, `-word` to exclude, "
        f"`prefix*` and parentheses. For example: {code(EXAMPLE_QUERY)}"
    )
    return notice(text)


def shared_result(hit_like: dict, user_id: str) -> dict:
    """The in-channel message Share posts, attributed to the person who shared it."""
    title = truncate(hit_like.get("title") or hit_like.get("url") or "", 200)
    lines = [f"*{link(hit_like.get('url', ''), title)}*",
             f"{escape(truncate(hit_like.get('source', ''), 80))} · {date(hit_like.get('published'))}"]
    summary = " ".join((hit_like.get("snippet") or hit_like.get("summary") or "").split())
    if summary:
        lines.append("> " + escape(truncate(summary, 400)))
    blocks = [_section("\n".join(lines)), _context(f"Shared by <@{escape(user_id)}> with /aibrief")]
    return message(f"{escape(title)} (shared by <@{escape(user_id)}>)", blocks)


# ---- help, refusals, errors ------------------------------------------------------------------
HELP = [
    ("/aibrief QUERY", "search stored articles (only you see the answer), e.g. `/aibrief china travel`"),
    ("/aibrief ask QUESTION", "a short machine-written answer from stored articles, citing them (when a model is set up)"),
    ("/aibrief watch list", "watchlists and how many articles each matched"),
    ("/aibrief watch test QUERY", "what a query would match, before saving it"),
    ("/aibrief watch add NAME QUERY", "save a watchlist (admins)"),
    ("/aibrief watch remove NAME", "delete a watchlist (admins)"),
    ("/aibrief feeds list", "feeds with their health"),
    ("/aibrief feeds add URL  |  feeds remove URL", "follow or drop a feed (admins)"),
    ("/aibrief digest now", "post this channel's digest now (admins)"),
    ("/aibrief digest schedule HH:MM [Area/City] [DAYS | weekly DAY] [--top N]",
     "this channel's digest, daily or on days such as `mon-fri`, `mon,thu`, `weekly fri`; its top N stories (default 5) in the message, the rest in the thread (admins)"),
    ("/aibrief digest me HH:MM [Area/City] [DAYS | weekly DAY] [WATCHLIST … | all | mine]",
     "your own digest by DM, for anyone (zone: your Slack one; `mine`: only your saved searches)"),
    ("/aibrief digest me  |  digest me off  |  digest me unwatch N",
     "see your DM digest and saved searches (*Notify me* under search results adds one), stop it, drop search N"),
    ("/aibrief saved", "what you saved for later from digests (⋯ → Save for later), with Unsave"),
    ("/aibrief digest off", "stop this channel's digest (admins)"),
    ("/aibrief audit [N]", "who changed what, when (admins)"),
    ("/aibrief watch matches NAME", "what a watchlist caught, and why (admins)"),
    ("/aibrief watch stats", "matches, \"not relevant\" votes and a suggested refinement per watchlist (admins)"),
    ("/aibrief watch exclude NAME URL", "drop one article from a watchlist for good (admins)"),
    ("/aibrief digest mute SOURCE  |  digest unmute SOURCE", "this channel's digests skip a source, e.g. `dawn.com` (admins)"),
]


def help_message() -> dict:
    lines = "\n".join(f"`{cmd}` — {what}" for cmd, what in HELP)
    query = (
        "*Queries*: words must all match; `\"exact phrase\"`; `OR` (binds tighter than AND: "
        "`china travel OR visa` = china AND (travel OR visa)); `-word` or `NOT word` to exclude; "
        "`prefix*`; parentheses. Case-insensitive, English stemming, whole words only."
    )
    return message("aibrief help", [_section("*aibrief* keeps you briefed on AI-security news.\n" + lines), _section(query)])


def usage_error(error) -> dict:
    text = f"{escape(error.message)}"
    if getattr(error, "example", None):
        text += f"\nFor example: {code(error.example)}"
    text += "\nType `/aibrief help` for every command."
    return notice(text)


def refusal(what: str, admins: Iterable[str] = ()) -> dict:
    """The answer to a non-admin who tried to change something: nothing was changed."""
    names = ", ".join(f"<@{escape(a)}>" for a in sorted(admins)[:10])
    who = f"an aibrief admin ({names}) or a workspace admin/owner" if names else "a workspace admin or owner"
    return notice(
        f":no_entry: Only admins can {escape(what)}. Nothing was changed.\n"
        f"Ask {who}. Anyone can use `watch list`, `watch test`, `feeds list` and search."
    )


def error_text(text: str) -> dict:
    return notice(f":warning: {escape(text)}")


def not_in_channel(channel: str, what: str) -> dict:
    return notice(
        f":wave: I'm not in <#{escape(channel)}> yet, so I can't {escape(what)} here. "
        "Invite me first: type `/invite @aibrief` in this channel "
        "(or open the channel details → Integrations → Add apps), then try again. Nothing was changed."
    )


def done(text: str) -> dict:
    return notice(f":white_check_mark: {text}")


def digest_posted(channel: str, status: str, articles: int, error: str | None) -> dict:
    """What `/aibrief digest now` did, from bot.digest.service.post_digest's result."""
    where = f"<#{escape(channel)}>"
    if status == "posted":
        return done(f"Posted the digest in {where} ({articles} article{'s' if articles != 1 else ''}).")
    if status == "empty":
        return notice(f"Nothing new for {where} since its last digest, so nothing was posted.")
    if status in ("pending", "busy"):
        return notice(f":hourglass: The digest for {where} is not finished yet ({escape(error or status)}); "
                      "it is completed automatically, without duplicates.")
    if status == "skipped":
        return notice(f"Nothing posted in {where}: {escape(error or 'already sent')}.")
    return error_text(f"The digest for this channel failed: {error or status}")


# ---- lists -----------------------------------------------------------------------------------
# A list reply is paged so that every page fits Slack's limits whatever the list holds (5,000
# feeds once made 145,000 characters of blocks): at most MAX_BLOCKS blocks, sections of
# at most MAX_SECTION_TEXT characters, and at most MAX_MESSAGE_CHARS of block JSON (the digests'
# budget), the head, the buttons and the footer included. A page is found from its first line
# forwards (More) or from the line before the current page backwards (Back), so a click
# formats only the lines it shows, however long the list.
_JOIN = len(json.dumps("\n\n")) - 2  # escaped length of the separator between two lines
_SECTION_CHARS = len(json.dumps({"type": "section", "text": {"type": "mrkdwn", "text": ""}})) + 1
LIST_FRAME_CHARS = 1500  # room kept for the head, the two buttons with their values, the footer


def _escaped_len(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False)) - 2


class Lines:
    """A list's lines, each made (and capped to one section) only when a page needs it."""

    def __init__(self, items: Sequence, fmt):
        self.items, self.fmt, self._made = items, fmt, {}

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> str:
        if i not in self._made:
            self._made[i] = _fit(self.fmt(self.items[i]))
        return self._made[i]


def _greedy(lines: Lines, indexes: Iterable[int]) -> int:
    """How many lines, taken in the order of `indexes`, fit one page by an (over-)estimate of
    blocks and characters; `_page` then checks the exact figure."""
    taken, blocks_used, chars, section = 0, 0, 0, None
    budget = MAX_MESSAGE_CHARS - LIST_FRAME_CHARS
    for i in indexes:
        line = lines[i]
        raw, esc = len(line), _escaped_len(line)
        if section is not None and section + 2 + raw <= MAX_SECTION_TEXT and chars + _JOIN + esc <= budget:
            section, chars = section + 2 + raw, chars + _JOIN + esc
        elif blocks_used + 1 <= MAX_BLOCKS - 3 and chars + _SECTION_CHARS + esc <= budget:
            blocks_used, chars, section = blocks_used + 1, chars + _SECTION_CHARS + esc, raw
        else:
            break
        taken += 1
    return max(1, taken)


def _sections(lines: Sequence[str]) -> list[dict]:
    """Lines packed into as few sections as the 3000-character limit allows."""
    out: list[dict] = []
    current: str | None = None
    for line in lines:
        if current is not None and len(current) + 2 + len(line) <= MAX_SECTION_TEXT:
            current = f"{current}\n\n{line}"
        else:
            if current is not None:
                out.append(_section(current))
            current = line
    if current is not None:
        out.append(_section(current))
    return out


def list_value(kind: str, offset: int, *, back: bool = False, **extra) -> str:
    value = {"l": kind, "o": offset, **({"b": 1} if back else {}), **extra}
    return json.dumps(value, ensure_ascii=False)


def _page(kind: str, head: str, lines: Lines, first: int, last: int, footer: str, extra: dict) -> list[dict]:
    total = len(lines)
    if first > 0 or last < total:
        head += f" — {first + 1}–{last} of {total}"
    out = [_section(head)] + _sections([lines[i] for i in range(first, last)])
    buttons = []
    if first > 0:
        buttons.append(_button("Back", ACTION_LIST_PREV, list_value(kind, first, back=True, **extra)))
    if last < total:
        buttons.append(_button(f"More ({total - last} left)", ACTION_LIST_MORE, list_value(kind, last, **extra),
                               "primary"))
    if buttons:
        out.append({"type": "actions", "block_id": f"{kind}_pages", "elements": buttons})
    if footer:
        out.append(_context(footer))
    return out


def _fits(blocks: list[dict]) -> bool:
    return len(blocks) <= MAX_BLOCKS and len(json.dumps(blocks, ensure_ascii=False)) <= MAX_MESSAGE_CHARS


def paged_list(kind: str, head: str, lines: Lines, offset: int = 0, *, back: bool = False, text: str,
               footer: str = "", **extra) -> dict:
    """One page of a list reply: from line `offset` on, or (`back`) the page that ends just
    before it; with More / Back buttons whose values (`list_value`) bring the neighbours."""
    total = len(lines)
    offset = min(max(0, offset), max(0, total - 1))
    if back and offset > 0:
        last = offset
        first = last - _greedy(lines, range(last - 1, -1, -1))
        while last - first > 1 and not _fits(_page(kind, head, lines, first, last, footer, extra)):
            first += 1
    else:
        first = offset
        last = min(total, first + _greedy(lines, range(first, total)))
        while last - first > 1 and not _fits(_page(kind, head, lines, first, last, footer, extra)):
            last -= 1
    return message(text, _page(kind, head, lines, first, last, footer, extra))


def watch_line(w: Watchlist, counts: dict[str, int]) -> str:
    n = counts.get(w.name, 0)
    return f"*{escape(w.name)}* — {n} match{'es' if n != 1 else ''}\n{code(truncate(w.query, 400))}"


def watch_list(watchlists: Sequence[Watchlist], counts: dict[str, int], offset: int = 0, *,
               back: bool = False) -> dict:
    if not watchlists:
        return notice("No watchlists yet. An admin can add one: `/aibrief watch add NAME QUERY`")
    lines = Lines(watchlists, lambda w: watch_line(w, counts))
    return paged_list(LIST_WATCH, "*Watchlists*", lines, offset, back=back, text=f"{len(watchlists)} watchlists")


def watch_test(query: str, hits: Sequence[SearchHit], total: int) -> dict:
    head = f"{code(query)} would match *{shown_total(total)}* stored article{'s' if total != 1 else ''}."
    node = query_node(query, watchlist=True)
    blocks = [_section(head)] + [b for h in hits for b in _hit_blocks(h, node, snippet_limit=200)]
    blocks.append(_context("Nothing was saved. Admins save it with `/aibrief watch add NAME QUERY`."))
    return message(f"{escape(query)} would match {shown_total(total)}", blocks)


def feed_link(url: str, admin: bool = False, max_label: int = 120) -> str:
    """A feed's address as a link: members see host and path, admins the whole shape with
    userinfo and query values masked; the link itself leads to scheme, host and path only."""
    label = masked_url(url) if admin else public_url(url)
    return link(link_target(url), truncate(label, max_label))


_HTTP_STATUS = re.compile(r"^HTTP (\d{3})\b")
_ANY_URL = re.compile(r"\S+://\S+")


def public_feed_error(error: str) -> str:
    """What a member may read of a feed's failure: its kind, never the raw text (which can
    name internal addresses, ports and resolver errors)."""
    m = _HTTP_STATUS.match(error)
    if m:
        return f"HTTP {m.group(1)}"
    lowered = _ANY_URL.sub(" ", error).lower()  # a feed's own address says nothing of the failure
    if "timed out" in lowered or "timeout" in lowered:
        return "timed out"
    if "larger than" in lowered:
        return "too large"
    if any(w in lowered for w in ("feed", "pars", "empty response", "html", "entit", "element", "xml")):
        return "not a valid feed"
    return "network error"


def feed_line(feed: Feed, now: datetime | None = None, *, admin: bool = False) -> str:
    state = "disabled" if not feed.enabled else ("failing" if feed.last_error else "ok")
    icon = {"ok": ":large_green_circle:", "failing": ":red_circle:", "disabled": ":white_circle:"}[state]
    title = escape(truncate(feed.title, 80)) if feed.title else "(untitled)"
    line = f"{icon} *{title}* — {feed_link(feed.url, admin)}\nlast success {relative_time(feed.last_success, now)}"
    if feed.last_error and admin:
        line += (f" · last error {relative_time(feed.last_error_at, now)} ({feed.error_count}×): "
                 f"{escape(truncate(redact_text(feed.last_error), 200))}")
    elif feed.last_error:
        line += (f" · failing ({public_feed_error(feed.last_error)}), last error {relative_time(feed.last_error_at, now)} "
                 f"({feed.error_count}×)")
    return line


def feeds_list(feeds: Sequence[Feed], now: datetime | None = None, *, admin: bool = False, offset: int = 0,
               back: bool = False) -> dict:
    if not feeds:
        return notice("No feeds yet. An admin can add one: `/aibrief feeds add URL`")
    failing = sum(1 for f in feeds if f.last_error)
    lines = Lines(feeds, lambda f: feed_line(f, now, admin=admin))
    return paged_list(LIST_FEEDS, f"*Feeds* ({len(feeds)}, {failing} failing)", lines, offset, back=back,
                      text=f"{len(feeds)} feeds, {failing} failing")


def audit_line(e) -> str:
    before = escape(truncate(redact_text(json.dumps(e.before, ensure_ascii=False)), 300))
    after = escape(truncate(redact_text(json.dumps(e.after, ensure_ascii=False)), 300))
    actor = f"<@{escape(e.actor[6:])}>" if e.actor.startswith("slack:") else escape(e.actor)
    return (f"{e.at:%Y-%m-%d %H:%M}Z {actor} *{escape(e.action)}* {escape(truncate(redact_text(e.target), 200))}\n"
            f"`{before}` → `{after}`")


def audit_list(entries: Sequence, offset: int = 0, *, back: bool = False, limit: int | None = None) -> dict:
    """The audit log for an admin in Slack: URLs in it masked (bot.redact); whole in the CLI."""
    if not entries:
        return notice("No changes recorded yet.")
    extra = {"n": limit} if limit else {}
    return paged_list(LIST_AUDIT, "*Audit log* (newest first)", Lines(entries, audit_line), offset, back=back,
                      text=f"{len(entries)} audit entries", **extra)


def _chunked(title: str, lines: Sequence[str], max_blocks: int = MAX_BLOCKS - 1) -> list[dict]:
    """Lines packed into as few sections as the 3000-character limit allows (App Home)."""
    blocks = _sections(([title] if title else []) + [_fit(line) for line in lines])
    if len(blocks) > max_blocks:
        blocks = blocks[: max_blocks - 1] + [_context(f"… {len(blocks) - max_blocks + 1} more sections not shown")]
    return blocks


TEMPLATE_ERROR_PREFIX = "template:"  # how bot.digest.service records a template problem
TEMPLATE_ERROR_PUBLIC = "the digest could not be rendered; an admin has been told"


def schedule_error(error: str, admin: bool) -> str:
    """A subscription's last error as this reader may see it: a template error can quote the
    template's (or, through a symlink or include, another file's) content, so only admins
    read it; others learn that it failed and that admins know."""
    if admin:
        return redact_text(error)
    if error.lstrip().lower().startswith(TEMPLATE_ERROR_PREFIX):
        return TEMPLATE_ERROR_PUBLIC
    return error


# ---- tuning: what a watchlist caught, votes, suggestions ---------------------------------------
MATCHES_SHOWN = 10


def watch_matches(name: str, hits: Sequence[SearchHit], node=None) -> dict:
    """`/aibrief watch matches NAME`: the newest articles it caught, each with why."""
    if not hits:
        return notice(f"*{escape(name)}* has not matched any stored article yet.")
    shown = hits[:MATCHES_SHOWN]
    blocks = [_section(f"*{escape(name)}* caught these, newest first ({len(shown)} shown):")]
    for hit in shown:
        blocks += _hit_blocks(hit, node, snippet_limit=160)
    blocks.append(_context(f"Not about {escape(name)}? `/aibrief watch exclude {escape(name)} URL` drops one for good. "
                           "`aibrief watch matches NAME --limit N --since YYYY-MM-DD` lists more."))
    return message(f"What {escape(name)} caught", blocks)


def suggestion_text(suggestion, *, show_query_max: int = 1200) -> str:
    """A suggested refinement as mrkdwn: the sentence, the change, the query to copy."""
    text = f":bulb: {escape(suggestion.text)}"
    if suggestion.query:
        if len(suggestion.query) <= show_query_max:
            text += f"\nSuggested query: {code(suggestion.query)}"
        else:
            text += f"\n(The whole query is long: make the change {code(suggestion.change)} in it.)"
    return text


def stats_lines(stat, *, most_voted: int = 3) -> list[str]:
    """One watchlist's tuning figures: matches in 7 / 30 days, votes, most-voted articles
    with the terms that matched them, and the suggestion."""
    lines = [f"last 7 days: {stat.matches_7d} match{'es' if stat.matches_7d != 1 else ''} · "
             f"30 days: {stat.matches_30d} · :thumbsdown: {stat.votes} not relevant "
             f"vote{'s' if stat.votes != 1 else ''} on {stat.voted_articles} article{'s' if stat.voted_articles != 1 else ''}"]
    if stat.invalid:
        lines.append(":warning: its query no longer parses; re-create it.")
    for a in stat.most_voted[:most_voted]:
        why = ", ".join(f"{escape(m.term)} ({m.field})" for m in a.matched) or "?"
        lines.append(f"• {a.votes}× {link(a.url, truncate(a.title or a.url, 120))} — matched {why}")
    if stat.suggestion:
        lines.append(suggestion_text(stat.suggestion))
    return lines


def watch_stats(stats: Sequence) -> dict:
    """`/aibrief watch stats`: every watchlist's figures and suggestion (for admins)."""
    if not stats:
        return notice("No watchlists yet.")
    entries = [f"*{escape(st.name)}* {code(truncate(st.query, 200))}\n" + "\n".join(stats_lines(st)) for st in stats]
    blocks = _chunked("*Watchlist tuning* (votes come from the digests' Not relevant buttons)", entries)
    blocks = blocks[: MAX_BLOCKS - 1] + [_context(
        "Nothing changes by itself: an admin decides. `/aibrief watch exclude NAME URL` drops one article.")]
    return message(f"Tuning figures for {len(stats)} watchlists", blocks)


def vote_ack(status: str, title: str, watchlists: Sequence[str]) -> dict:
    """The private answer to a "Not relevant" click."""
    what = f"“{escape(truncate(title, 150))}”" if title else "that article"
    names = ", ".join(f"*{escape(w)}*" for w in watchlists)
    if status == "already":
        return notice(f"You already marked {what} as not relevant to {names}; nothing changed.")
    return notice(f":thumbsdown: Thanks: noted that {what} is not relevant to {names}. "
                  "Admins see these votes when they tune the watchlist; nothing changes by itself.")
