"""Digest templates: Jinja2 in a sandbox, Block Kit out, and escaping no template can forget.

A template in `digests/` renders one JSON document::

    {"text": "notification text", "blocks": [ …the channel message… ],
     "thread": [{"text": "…", "blocks": [ … ]}, …]}          # replies, optional

This module owns the environment (sandboxed, confined to the templates folders, with
escape.py's `finalize` and helpers and without the unsafe filters), finding templates,
rendering one, and the fallbacks. What templates see is context.py's; how values are
escaped is escape.py's; the terminal view is terminal.py's.

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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from bot import mrkdwn
from bot.digest.context import DigestInfo
from bot.digest.escape import _TOKENS, _UNSAFE_FILTERS, _clip, _finalize, link, plural, slack_date, url
from bot.digest.validate import Message, ValidationProblem, prepare
from bot.feedback import ACTION_NOT_RELEVANT, button_value

log = logging.getLogger("aibrief.digest")

DEFAULT_TEMPLATE = "daily"


def _bundled_dir() -> Path:
    """The templates shipped with aibrief, used when the configured directory lacks one.
    An installed wheel carries them as bot/digest/templates/ (setup.py maps the
    repository's digests/ there); a source checkout (an editable install) has only the
    repository's digests/ itself."""
    here = Path(__file__).resolve().parent
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parents[1] / "digests"


BUILTIN_DIR = _bundled_dir()
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class TemplateProblem(Exception):
    """A template that cannot produce a valid digest; str() is the line an admin reads."""

    def __init__(self, template: str, message: str, line: int | None = None):
        self.template = template
        self.line = line
        self.message = message
        where = f"{template} line {line}" if line else template
        super().__init__(f"{where}: {message}")


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
