"""Digest templates: Jinja2 in a sandbox, Block Kit out, and escaping no template can forget.

A template in `digests/` renders one JSON document::

    {"text": "notification text", "blocks": [ …the channel message… ],
     "thread": [{"text": "…", "blocks": [ … ]}, …]}          # replies, optional

Why escaping cannot be forgotten: the environment autoescapes, and its `finalize` turns
*every* `{{ value }}` into text escaped twice over — for Slack mrkdwn (`& < >`) and for a
JSON string (quotes, backslashes, control characters) — unless the value is markup the
machinery itself made: `link(url, label)` (URL validated, label escaped), `slack_date(…)`,
`url(…)`, or a macro's / `{% set %}` block's output (already escaped when it was rendered).
Every string handed to a template is also a `Text`, whose `__html__` does the same
escaping, so `link(…) ~ item.source` and `|join` escape correctly too. The `safe`,
`forceescape`, `tojson`, `urlize` and `xmlattr` filters, which could emit unescaped text,
do not exist here.

As a second, independent guard, the rendered JSON is scanned: every `<` in every string
must open a token one of the helpers made during this render. So a feed title
`<!channel> & <https://evil|click>` shows literally and pings no one, whatever a template
does; a template that tries anyway is reported and the default template used instead.

A broken template (syntax error, undefined variable, bad JSON, a block Slack would refuse)
gives an admin-readable error with the template's name and line, and the digest falls back
to `digests/daily.j2`; if that fails too, to a plain built-in layout, so it always arrives.
"""

from __future__ import annotations

import json
import logging
import os
import re
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from bot import mrkdwn
from bot.digest.cluster import Story
from bot.digest.select import FULL_LIST_MAX, Selection, Window
from bot.digest.validate import Message, ValidationProblem, prepare
from bot.feedback import ACTION_NOT_RELEVANT, button_value

log = logging.getLogger("aibrief.digest")

DEFAULT_TEMPLATE = "daily"
DIGEST_TITLE = "AI security brief"


def _bundled_dir() -> Path:
    """The templates shipped with aibrief, used when the configured directory lacks one.
    An installed wheel carries them as bot/digest/templates/ (setup.py maps the
    repository's digests/ there); a source checkout (an editable install) has only the
    repository's digests/ itself."""
    here = Path(__file__).resolve().parent
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parents[1] / "digests"


BUILTIN_DIR = _bundled_dir()
TITLE_MAX = 250
SUMMARY_MAX = 280
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class TemplateProblem(Exception):
    """A template that cannot produce a valid digest; str() is the line an admin reads."""

    def __init__(self, template: str, message: str, line: int | None = None):
        self.template = template
        self.line = line
        self.message = message
        where = f"{template} line {line}" if line else template
        super().__init__(f"{where}: {message}")


# ---- the escaping machinery -------------------------------------------------------------------------
def json_body(text: str) -> str:
    """`text` as the inside of a JSON string literal."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


class Text(str):
    """A string from outside the template (feed text, names, settings): always escaped."""

    __slots__ = ()

    def __html__(self) -> str:
        return json_body(mrkdwn.escape(str.__str__(self)))


class Trusted(Markup):
    """Output the machinery made (a link, a date token): already mrkdwn and JSON safe."""


class Marked(Text):
    """Feed text together with the spans of the words that made its item match (offsets into
    the text): `{{ … }}` shows it escaped with those words in bold, and `link(url, it)` bolds
    them inside the link. The bold markers come from `mrkdwn.emphasize`, never from the feed."""

    def __new__(cls, text: str, spans=()):
        obj = super().__new__(cls, text)
        obj.spans = tuple(spans)
        return obj

    def __html__(self) -> str:
        return json_body(mrkdwn.emphasize(str.__str__(self), self.spans))


def _finalize(value: Any) -> Markup:
    if isinstance(value, Markup):  # a helper's output, or a macro's / block's rendered text
        return value
    if value is None:
        return Markup("")
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    if isinstance(value, bool):
        return Markup("true" if value else "false")
    if isinstance(value, (int, float)):
        return Markup(str(value))
    return Markup(json_body(mrkdwn.escape(str(value))))


# Tokens (`<…>`) the helpers made during the current render; the output scan allows only these.
_TOKENS: ContextVar[set | None] = ContextVar("digest_tokens", default=None)


def _register(token: str) -> Trusted:
    tokens = _TOKENS.get()
    if tokens is not None and token.startswith("<"):
        tokens.add(token)
    return Trusted(json_body(token))


def _plain(value: Any) -> str:
    """The raw text of a value handed to a helper (a Text's own characters)."""
    if value is None:
        return ""
    if isinstance(value, Markup):  # already escaped once: take it as the reader would see it
        raw = str.__str__(value)
        try:
            raw = json.loads('"' + raw + '"')
        except ValueError:
            pass
        return mrkdwn.to_plain(raw)
    return str.__str__(value) if isinstance(value, str) else str(value)


def link(url: Any, label: Any = None) -> Trusted:
    """`<url|label>`: the URL checked (http/https only), the label escaped; the label alone
    when the URL is unusable."""
    target = _plain(url)
    if isinstance(label, Marked):
        return _register(mrkdwn.emphasized_link(target, str.__str__(label), label.spans))
    return _register(mrkdwn.link(target, _plain(label) if label is not None else target))


_DATE_FORMAT = re.compile(r"^[A-Za-z_{}\s,:.\-/]{1,80}$")


def slack_date(ts: Any, fmt: str = "{date_short_pretty} {time}", fallback: Any = None) -> Trusted:
    """Slack's `<!date^…>` token: each reader sees the time in their own time zone."""
    try:
        seconds = int(ts.timestamp()) if isinstance(ts, datetime) else int(ts)
    except (TypeError, ValueError):
        return Trusted(json_body(mrkdwn.escape(_plain(fallback))))
    fmt = str(fmt)
    if not _DATE_FORMAT.match(fmt):
        fmt = "{date_short_pretty} {time}"
    if fallback is None:
        fallback = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    label = mrkdwn.escape(_plain(fallback)).replace("|", "¦") or "-"
    return _register(f"<!date^{seconds}^{fmt}|{label}>")


def url(value: Any) -> Trusted:
    """A checked http(s) URL for a URL field (a button's or an image's `url`), else ''."""
    return Trusted(json_body(mrkdwn.safe_url(_plain(value)) or ""))


def plural(n: int, one: str, many: str | None = None) -> str:
    return one if n == 1 else (many if many is not None else one + "s")


def _clip(value: Any, limit: int = 200) -> Text:
    return Text(mrkdwn.truncate(" ".join(_plain(value).split()), int(limit)))


_UNSAFE_FILTERS = ("safe", "forceescape", "tojson", "urlize", "xmlattr")


class TemplateOutside(TemplateNotFound):
    """A template file that resolves (through a symlink or `..`) outside the folder it was
    looked up in: refused, so a template, an {% include %} or its error message can never
    read another file of the host."""


class ConfinedLoader(FileSystemLoader):
    """FileSystemLoader that serves only files whose real path lies inside their folder."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        real = os.path.realpath(filename)
        roots = [os.path.realpath(p) for p in self.searchpath]
        if not any(os.path.commonpath([real, root]) == root for root in roots):
            raise TemplateOutside(template, f"{template} resolves outside the templates folder; refused")
        return source, filename, uptodate


@lru_cache(maxsize=8)
def environment(dirs: tuple[str, ...]) -> SandboxedEnvironment:
    """One environment per template search path (cached: compiled templates are reused, and
    `auto_reload` picks up an admin's edit)."""
    env = SandboxedEnvironment(
        loader=ConfinedLoader(list(dirs)),
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
    )
    for name in _UNSAFE_FILTERS:
        env.filters.pop(name, None)
    env.filters["clip"] = _clip
    env.globals.update(link=link, slack_date=slack_date, url=url, plural=plural)
    return env


def template_dirs(digests_dir: str | None) -> tuple[str, ...]:
    dirs = []
    if digests_dir:
        dirs.append(str(Path(digests_dir).expanduser().resolve()))
    if str(BUILTIN_DIR) not in dirs:
        dirs.append(str(BUILTIN_DIR))
    return tuple(dirs)


def normalize_name(name: str | None) -> str:
    """'daily', 'daily.j2' or 'digests/daily.j2' → 'daily'; raises ValueError otherwise."""
    name = (name or DEFAULT_TEMPLATE).strip()
    if name.startswith("digests/"):
        name = name[len("digests/"):]
    if name.endswith(".j2"):
        name = name[:-3]
    if not NAME_RE.match(name):
        raise ValueError(f"bad template name {name!r}: use the file name of a template in digests/, e.g. compact")
    return name


def available_templates(digests_dir: str | None) -> list[str]:
    names = set()
    for d in template_dirs(digests_dir):
        p = Path(d)
        if p.is_dir():
            names.update(f.stem for f in p.glob("*.j2") if NAME_RE.match(f.stem))
    return sorted(names)


# ---- what templates see ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AlsoIn:
    title: Text
    url: str
    source: Text
    time: Text
    ts: int


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


def _item(rank: int, story: Story, tz: ZoneInfo, end_local: datetime, nodes: dict | None = None) -> Item:
    p = story.primary
    title = mrkdwn.truncate(_one_line(p.title) or p.url, TITLE_MAX)
    summary = mrkdwn.truncate(_one_line(p.summary), SUMMARY_MAX)
    matched_by = [nodes[w] for w in story.watchlists if w in (nodes or {})]
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
) -> dict:
    """What templates see. `queries` (watchlist name → query) lets each item say why it
    matched: the words its watchlists' queries found are bold in `marked_title` and
    `marked_summary`."""
    zone = ZoneInfo(tz)
    end_local = window.end_dt.astimezone(zone)
    start_local = window.start_dt.astimezone(zone)
    stories = selection.stories
    nodes = _watch_nodes(queries)
    items = [_item(i, s, zone, end_local, nodes) for i, s in enumerate(stories, 1)]
    top = items[: len(selection.top)]
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
    )
    return {
        "digest": info,
        "items": top,
        "rest": items[len(top):],
        "stories": full,
        "clustered": [i for i in full if i.also],
    }


def with_why_it_matters(context: dict, lines: dict[int, str]) -> dict:
    """`context` with each story's `why_it_matters` set from `lines` (article id → sentence,
    plain text: escaped like all feed text when shown)."""
    if not lines:
        return context

    def add(item: Item) -> Item:
        line = lines.get(item.article_id)
        return replace(item, why_it_matters=Text(line)) if line else item

    return {**context, **{k: [add(i) for i in context[k]] for k in ("items", "rest", "stories", "clustered")}}


# ---- rendering ----------------------------------------------------------------------------------
_TRAILING_COMMA = re.compile(r'("(?:\\.|[^"\\])*")|,(\s*[\]}])')


def _strip_trailing_commas(text: str) -> str:
    return _TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text)


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The template file and line where a render error happened (Jinja puts template
    frames into the traceback); the innermost one, so an {% include %} is blamed right."""
    found: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code.co_filename
        if code.endswith(".j2"):
            found = (code, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _display_name(name: str, filename: str | None) -> str:
    if filename:
        p = Path(filename)
        return f"{p.parent.name}/{p.name}"
    return f"digests/{name}.j2"


def _strings(obj, path: str = ""):
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _strings(v, f"{path}[{i}]")


def unsafe_markup(doc, allowed: set[str]) -> str | None:
    """The first `<…>` in the document that no helper made (or a stray `<`), else None."""
    for path, s in _strings(doc):
        i = s.find("<")
        while i != -1:
            j = s.find(">", i)
            token = s[i : j + 1] if j != -1 else s[i:]
            if j == -1 or token not in allowed or "<" in token[1:]:
                return f"{path}: {token[:60]!r}"
            i = s.find("<", j + 1)
    return None


def render_template(name: str, context: dict, digests_dir: str | None) -> list[Message]:
    """Render one template into validated, split messages; raises TemplateProblem."""
    env = environment(template_dirs(digests_dir))
    display = f"digests/{name}.j2"
    try:
        template = env.get_template(f"{name}.j2")
    except TemplateOutside:
        raise TemplateProblem(display, "refused: the file resolves outside the templates folder (a symlink?)") from None
    except TemplateNotFound:
        raise TemplateProblem(display, "no such template") from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(_display_name(name, exc.filename), f"syntax error: {exc.message}", exc.lineno) from None
    display = _display_name(name, template.filename)
    tokens: set[str] = set()
    reset = _TOKENS.set(tokens)
    try:
        output = template.render(**context)
    except TemplateSyntaxError as exc:  # an {% include %} of a broken template
        raise TemplateProblem(_display_name(exc.name or name, exc.filename), f"syntax error: {exc.message}",
                              exc.lineno) from None
    except Exception as exc:  # undefined names, sandbox refusals, type errors in the template
        filename, line = _template_frame(exc)
        where = _display_name(name, filename) if filename else display
        raise TemplateProblem(where, f"{type(exc).__name__}: {exc}", line) from None
    finally:
        _TOKENS.reset(reset)
    try:
        doc = json.loads(_strip_trailing_commas(output))
    except json.JSONDecodeError as exc:
        bad = output.splitlines()[exc.lineno - 1] if 0 < exc.lineno <= len(output.splitlines()) else ""
        raise TemplateProblem(
            display, f"the output is not valid JSON ({exc.msg} at output line {exc.lineno}, column {exc.colno}: "
            f"{bad.strip()[:80]!r})"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("blocks"), list):
        raise TemplateProblem(display, 'the output must be a JSON object with a "blocks" list')
    thread = doc.get("thread") or []
    if not isinstance(thread, list) or not all(isinstance(t, dict) for t in thread):
        raise TemplateProblem(display, '"thread" must be a list of {"text": …, "blocks": […]} objects')
    bad = unsafe_markup(doc, tokens)
    if bad:
        raise TemplateProblem(
            display, f"Slack markup that no helper made at {bad}: output feed text with {{{{ … }}}} and links "
            "with link(url, label); a digest never pings"
        )
    messages = [Message(text=str(doc.get("text") or ""), blocks=doc["blocks"], thread=False)]
    for t in thread:
        messages.append(Message(text=str(t.get("text") or ""), blocks=t.get("blocks") or [], thread=True))
    try:
        return prepare(messages)
    except ValidationProblem as exc:
        raise TemplateProblem(display, str(exc)) from None


def builtin_messages(context: dict) -> list[Message]:
    """The layout of last resort, in code: used only when even daily.j2 cannot render."""
    info: DigestInfo = context["digest"]
    e = mrkdwn.escape
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": e(f"{info.title} · {info.date_short}")}},
    ]
    if info.empty:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "Nothing new since the last digest."}})
    for item in context["items"]:
        line = f"*{item.rank}.* {mrkdwn.link(item.url, item.title)} — {e(item.source)}"
        if item.also:
            line += " · also in " + ", ".join(mrkdwn.link(a.url, a.source) for a in item.also)
        block = {"type": "section", "text": {"type": "mrkdwn", "text": line}}
        if item.watchlists:
            block["accessory"] = {"type": "button", "action_id": ACTION_NOT_RELEVANT,
                                  "text": {"type": "plain_text", "text": "Not relevant"},
                                  "value": button_value(item.article_id, [str(w) for w in item.watchlists])}
        blocks.append(block)
    if info.more:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {info.more} more"}]})
    text = e(f"{info.title}: {info.count} {plural(info.count, 'story', 'stories')}")
    return prepare([Message(text=text, blocks=blocks)])


@dataclass
class RenderResult:
    messages: list[Message]
    template: str  # the template actually used ("builtin" for the last resort)
    errors: list[str] = field(default_factory=list)  # admin-readable, one line each


def render_messages(template: str | None, context: dict, digests_dir: str | None) -> RenderResult:
    """The requested template, else daily.j2, else the built-in layout; with the errors met."""
    errors: list[str] = []
    try:
        name = normalize_name(template)
    except ValueError as exc:
        errors.append(str(exc))
        name = DEFAULT_TEMPLATE
    for candidate in dict.fromkeys([name, DEFAULT_TEMPLATE]):
        try:
            messages = render_template(candidate, context, digests_dir)
        except TemplateProblem as exc:
            errors.append(str(exc) + (f"; using digests/{DEFAULT_TEMPLATE}.j2" if candidate != DEFAULT_TEMPLATE
                                      else "; using the built-in layout"))
            log.warning("digest template failed: %s", exc)
            continue
        return RenderResult(messages, candidate, errors)
    return RenderResult(builtin_messages(context), "builtin", errors)


# ---- terminal view -----------------------------------------------------------------------------------
def messages_to_text(messages: list[Message]) -> str:
    """The digest as a terminal shows it (`aibrief digest`, `aibrief demo`)."""
    out: list[str] = []
    for n, m in enumerate(messages):
        if m.thread:
            out.append("")
            out.append("  ── in the thread " + "─" * 40)
        for b in m.blocks:
            kind = b.get("type")
            if kind == "header":
                title = mrkdwn.to_plain(b["text"]["text"])
                out += [title, "=" * min(len(title), 72)]
            elif kind == "section":
                if b.get("text"):
                    out.append(mrkdwn.to_plain(b["text"]["text"]))
                for f in b.get("fields") or []:
                    out.append("  " + mrkdwn.to_plain(f.get("text", "")))
                out.append("")
            elif kind == "context":
                texts = [mrkdwn.to_plain(e.get("text", "")) for e in b.get("elements") or [] if e.get("text")]
                if texts:
                    out.append("  " + " · ".join(texts))
            elif kind == "divider":
                out.append("-" * 40)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)
