"""What `/aibrief …` asks for: the slash command's text parsed into one `Command`, or a
`CommandError` that says what was wrong and what to type instead.

Pure: no Slack, no store. The Slack listener parses with this, then calls the same plain
functions the CLI calls (bot.search, bot.admin, bot.digest.service), so the two never drift.

The first word picks a subcommand (`help`, `watch`, `feeds`, `digest`, `audit`, `search`, `ask`);
anything else is a search query, typed exactly as for `aibrief search`. A query that
happens to start with a subcommand word can be searched with `/aibrief search …`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.digest.schedule import check_tz, is_day_spec, normalize_at, parse_days, parse_weekly

SUBCOMMANDS = ("help", "search", "watch", "feeds", "digest", "audit", "saved", "ask")

# Command kinds that change what the bot stores or posts: only admins may run them.
CHANGES = frozenset(
    {"watch.add", "watch.remove", "feeds.add", "feeds.remove", "digest.now", "digest.schedule", "digest.off",
     "watch.exclude", "digest.mute", "digest.unmute"}
)
# `digest now` changes no setting, but it posts to the channel on the caller's behalf and
# marks articles as sent there, so it is an admin action too.
ADMIN_ONLY = CHANGES | {"audit"}  # the audit log is for admins; it is not itself a change
# Tuning views: what a watchlist caught and readers' votes on it are for the admins who tune it.
ADMIN_ONLY |= {"watch.matches", "watch.stats"}

# What a refused non-admin tried to do, for the refusal message.
ACTIONS = {
    "watch.add": "add watchlists",
    "watch.remove": "remove watchlists",
    "feeds.add": "add feeds",
    "feeds.remove": "remove feeds",
    "digest.now": "post a digest on demand",
    "digest.schedule": "schedule digests",
    "digest.off": "turn digests off",
    "audit": "read the audit log",
    "watch.matches": "list what a watchlist caught",
    "watch.stats": "see watchlist statistics and votes",
    "watch.exclude": "exclude articles from watchlists",
    "digest.mute": "mute sources in digests",
    "digest.unmute": "unmute sources in digests",
}

MAX_AUDIT = 50
DEFAULT_AUDIT = 15
_LINK_RE = re.compile(r"<([^<>|]*)(?:\|[^<>]*)?>")


class CommandError(ValueError):
    """The text is not a command we understand. `str()` is the message; `example` a fix."""

    def __init__(self, message: str, example: str | None = None):
        super().__init__(message)
        self.message = message
        self.example = example


@dataclass(frozen=True)
class Command:
    """One parsed request. `kind` is e.g. "search", "watch.add", "digest.schedule"."""

    kind: str
    query: str = ""  # search, watch.add, watch.test
    name: str = ""  # watch.add, watch.remove
    url: str = ""  # feeds.add, feeds.remove
    at: str = ""  # digest.schedule, "HH:MM"
    tz: str = "UTC"  # digest.schedule
    limit: int = 0  # audit
    source: str = ""  # digest.mute, digest.unmute: a source name or a site
    days: str | None = None  # digest.schedule, digest.me: "mon,tue,…" ("" every day), None: unchanged
    weekly: str | None = None  # digest.schedule, digest.me: the day of a weekly digest
    watchlists: tuple | list | None = None  # digest.me: names; [] every one; () none ("mine")
    number: int = 0  # digest.me.unwatch
    top: int | None = None  # digest.schedule `--top N`: stories in the channel message (None: keep)

    @property
    def changes(self) -> bool:
        """True when it changes what the bot stores, or posts in a channel."""
        return self.kind in CHANGES

    @property
    def admin_only(self) -> bool:
        return self.kind in ADMIN_ONLY


def unslack(text: str) -> str:
    """Slack's transport encoding undone: `<url|label>` → url, `&lt;` → `<` and so on.

    Slack escapes `&`, `<`, `>` in slash-command text and may wrap links as `<…|…>`;
    what the user typed is what we search for or save.
    """
    return html.unescape(_LINK_RE.sub(lambda m: m.group(1), text)) if text else ""


def _split(text: str, n: int) -> list[str]:
    """The first `n` whitespace-separated words, then the rest verbatim (quotes kept)."""
    return text.split(None, n)


def _action(rest: str) -> tuple[str, str, str]:
    """A command group's `ACTION [ARGUMENTS]` → (the action as typed, lower-cased, the
    arguments); a group typed alone lists (`watch` is `watch list`)."""
    parts = _split(rest, 1)
    typed = parts[0] if parts else "list"
    return typed, typed.lower(), parts[1].strip() if len(parts) > 1 else ""


def _needs(arg: str, problem: str, example: str) -> str:
    """`arg`, which a command cannot do without: empty, it is the CommandError saying so."""
    if not arg:
        raise CommandError(problem, example)
    return arg


def parse_command(text: str) -> Command:
    """`/aibrief` text → Command. Raises CommandError with a usable example."""
    text = unslack(text or "").strip()
    if not text:
        return Command("help")
    head, *tail = text.split(None, 1)
    rest = tail[0].strip() if tail else ""
    word = head.lower()
    if word not in SUBCOMMANDS:
        return Command("search", query=text)
    if word == "help":
        return Command("help")
    if word == "search":
        return Command("search", query=_needs(rest, "`search` needs a query.", "/aibrief search china travel"))
    if word == "audit":
        return _audit(rest)
    if word == "saved":
        if rest:
            raise CommandError("`saved` takes nothing more: it lists what you saved for later.", "/aibrief saved")
        return Command("saved")
    if word == "ask":  # the optional model features (bot/llm/ask.py)
        return Command("ask", query=_needs(rest, "`ask` needs a question.",
                                           "/aibrief ask what happened with prompt injection this week?"))
    return {"watch": _watch, "feeds": _feeds, "digest": _digest}[word](rest)


def _audit(rest: str) -> Command:
    if not rest:
        return Command("audit", limit=DEFAULT_AUDIT)
    if not rest.isdigit() or not 1 <= int(rest) <= MAX_AUDIT:
        raise CommandError(f"`audit` takes an optional number of entries, 1 to {MAX_AUDIT}.", "/aibrief audit 20")
    return Command("audit", limit=int(rest))


def _watch(rest: str) -> Command:
    typed, action, arg = _action(rest)
    if action == "list":
        return Command("watch.list")
    if action == "test":
        return Command("watch.test", query=_needs(arg, "`watch test` needs a query to try.",
                                                  '/aibrief watch test "prompt injection" -crypto'))
    if action == "add":
        name_query = _split(arg, 1)
        if len(name_query) < 2:
            raise CommandError(
                "`watch add` needs a name and a query.", '/aibrief watch add llm-jailbreaks jailbreak (LLM OR chatbot)'
            )
        if re.search(r"(^|\s)--check\b", name_query[1]):  # the model's relevance check: CLI only
            raise CommandError("A relevance check (`--check`) is set from the command line: "
                               '`aibrief watch add NAME QUERY --check "DESCRIPTION"`.')
        return Command("watch.add", name=name_query[0], query=name_query[1].strip())
    if action == "remove":
        names = _split(arg, 1)
        if len(names) != 1:
            raise CommandError("`watch remove` needs exactly one watchlist name.", "/aibrief watch remove ai-policy")
        return Command("watch.remove", name=names[0])
    if action == "matches":
        names = arg.split()
        if len(names) != 1:
            raise CommandError("`watch matches` needs exactly one watchlist name.", "/aibrief watch matches ai-policy")
        return Command("watch.matches", name=names[0])
    if action == "stats":
        if arg:
            raise CommandError("`watch stats` takes nothing more.", "/aibrief watch stats")
        return Command("watch.stats")
    if action == "exclude":
        words = arg.split()
        if len(words) != 2:
            raise CommandError("`watch exclude` needs a watchlist name and an article URL.",
                               "/aibrief watch exclude ai-policy https://example.com/news/1")
        return Command("watch.exclude", name=words[0], url=words[1])
    raise CommandError(
        f"`watch {typed}` is not a watch command: use list, add, remove, test, matches, stats or exclude"
        " (to search for these words, type `/aibrief search watch …`).",
        "/aibrief watch list",
    )


def _feeds(rest: str) -> Command:
    typed, action, arg = _action(rest)
    if action == "list":
        return Command("feeds.list")
    if action in ("add", "remove"):
        urls = arg.split()
        if len(urls) != 1:
            raise CommandError(
                f"`feeds {action}` needs exactly one feed URL.", f"/aibrief feeds {action} https://example.com/feed.xml"
            )
        return Command(f"feeds.{action}", url=urls[0])
    raise CommandError(
        f"`feeds {typed}` is not a feeds command: use list, add or remove"
        " (to search for these words, type `/aibrief search feeds …`).",
        "/aibrief feeds list",
    )


def parse_time(text: str) -> str:
    """`9:00` / `09:00` → "09:00" (the digest scheduler's own rule); CommandError otherwise."""
    try:
        return normalize_at(text)
    except ValueError as exc:
        raise CommandError(str(exc), "/aibrief digest schedule 09:00 Europe/Berlin") from None


def parse_tz(text: str) -> str:
    """An IANA zone name such as Europe/Berlin (or UTC), as the scheduler accepts it."""
    try:
        check_tz(text)
    except ValueError as exc:
        raise CommandError(str(exc), "/aibrief digest schedule 09:00 America/New_York") from None
    return text.strip()


SCHEDULE_EXAMPLE = "/aibrief digest schedule 08:00 Europe/Paris mon-fri"
ME_EXAMPLE = "/aibrief digest me 08:00 Europe/Paris mon-fri ai-policy"


def _looks_like_tz(word: str) -> bool:
    return "/" in word or word.upper() in ("UTC", "GMT")


def _when(words: list[str], example: str) -> tuple[str | None, str | None, str | None, list[str]]:
    """After HH:MM: `[Area/City] [DAYS | weekly DAY]` → (tz, days, weekly, the words left).
    DAYS is a day, a list or a range (`fri`, `mon,thu`, `mon-fri`), `weekdays` or `daily`."""
    tz = days = weekly = None
    i = 0
    if i < len(words) and _looks_like_tz(words[i]):
        tz, i = parse_tz(words[i]), i + 1
    try:
        if i < len(words) and words[i].lower() == "weekly":
            if i + 1 >= len(words):
                raise CommandError("`weekly` needs its day, e.g. `weekly fri`.", example.replace("mon-fri", "weekly fri"))
            weekly, i = parse_weekly(words[i + 1]), i + 2
        elif i < len(words) and is_day_spec(words[i]):
            days, i = parse_days(words[i]), i + 1
    except ValueError as exc:
        raise CommandError(str(exc), example) from None
    return tz, days, weekly, words[i:]


def _digest_me(words: list[str]) -> Command:
    """`digest me` · `me off` · `me unwatch N` · `me HH:MM [Area/City] [DAYS|weekly DAY] [WATCHLIST…|all|mine]`."""
    if not words:
        return Command("digest.me.show")
    head = words[0].lower()
    if head in ("off", "stop") and len(words) == 1:
        return Command("digest.me.off")
    if head == "unwatch":
        if len(words) != 2 or not words[1].isdigit():
            raise CommandError("`digest me unwatch` needs the number of a saved search (`/aibrief digest me` lists them).",
                               "/aibrief digest me unwatch 2")
        return Command("digest.me.unwatch", number=int(words[1]))
    if ":" not in head:
        raise CommandError(
            "`digest me` takes a time (HH:MM), `off`, or `unwatch N`; alone it shows your digest.", ME_EXAMPLE)
    at = parse_time(words[0])
    tz, days, weekly, rest = _when(words[1:], ME_EXAMPLE)
    names = [w.lower() for w in rest]
    if names in (["all"], ["*"]):
        watchlists = []  # every watchlist, including future ones
    elif names == ["mine"]:
        watchlists = ()  # only my saved searches
    elif any(n in ("all", "mine") for n in names):
        raise CommandError("`all` or `mine` stands alone, not with watchlist names.", ME_EXAMPLE)
    else:
        watchlists = names or None
    return Command("digest.me", at=at, tz=tz or "", days=days, weekly=weekly, watchlists=watchlists)
TOP_MAX = 50  # bot.digest.service.MAX_ITEMS_LIMIT


def _top_option(parts: list[str]) -> tuple[list[str], int | None]:
    """`--top N` (or its old name `--max-items N`) taken out of a digest command's words."""
    for i, word in enumerate(parts):
        name, eq, value = word.partition("=")
        if name.lower() in ("--top", "--max-items"):
            if not eq:
                value = parts[i + 1] if i + 1 < len(parts) else ""
            if not value.isdigit() or not 1 <= int(value) <= TOP_MAX:
                raise CommandError(f"`--top` takes the number of stories in the channel message, 1 to {TOP_MAX}.",
                                   "/aibrief digest schedule 09:00 Europe/Berlin --top 5")
            return parts[:i] + parts[i + (1 if eq else 2):], int(value)
    return parts, None


def _digest(rest: str) -> Command:
    parts = rest.split()
    top = None
    if parts and parts[0].lower() == "schedule":
        parts, top = _top_option(parts)
    action = parts[0].lower() if parts else ""
    if action in ("now", "off") and len(parts) == 1:
        return Command(f"digest.{action}")
    if action == "me":
        return _digest_me(parts[1:])
    if action == "schedule" and len(parts) >= 2:
        at = parse_time(parts[1])
        tz, days, weekly, left = _when(parts[2:], SCHEDULE_EXAMPLE)
        if left:
            raise CommandError(
                f"`digest schedule` does not know {' '.join(left)!r}: give HH:MM, then optionally a time zone, "
                "the days (mon-fri, mon,thu, weekly fri) and --top N.", SCHEDULE_EXAMPLE)
        return Command("digest.schedule", at=at, tz=tz or "UTC", days=days, weekly=weekly, top=top)
    if action in ("mute", "unmute"):
        source = rest.split(None, 1)[1].strip() if len(parts) > 1 else ""
        if not source:
            raise CommandError(f"`digest {action}` needs a source name or a site.", f"/aibrief digest {action} dawn.com")
        return Command(f"digest.{action}", source=source)
    if action == "schedule":
        raise CommandError(
            "`digest schedule` needs a time and, optionally, a time zone and `--top N`.",
            "/aibrief digest schedule 09:00 Europe/Berlin --top 5"
        )
    raise CommandError(
        "`digest` takes `now`, `schedule HH:MM [Area/City] [mon-fri | weekly fri] [--top N]`, `off`, `mute SOURCE` or "
        "`unmute SOURCE`, for the channel you type it in; or `me …` for your own digest by DM.",
        "/aibrief digest schedule 09:00 Europe/Berlin",
    )
