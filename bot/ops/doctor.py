"""`aibrief doctor` (and `/aibrief doctor` for admins): everything an operator would check by
hand, in one pass, each problem said with what to do about it.

Checks, in order: the settings; the database (reachable, migrated, file permissions, size,
free space and last vacuum); the Slack bot token (`auth.test`), the scopes slack-manifest.yml
asks for against those granted (auth.test's `x-oauth-scopes` header); that the bot is in every
channel it posts to (`conversations.info` → `is_member`); the app token for Socket Mode
(`apps.connections.open`); each feed's last result; that the digest templates render.

Each check is a `Finding` (ok, warn or fail; a line; what to do). The checks are plain
functions of the settings, the store and a Web API client, so the CLI and Slack show the same
findings. `aibrief doctor` exits 0 when nothing failed, 1 otherwise; warnings do not fail.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from bot.config import Settings

OK, WARN, FAIL = "ok", "warn", "fail"
BIG_DATABASE = 2 << 30  # bytes: worth a look at AIBRIEF_RETENTION_DAYS
MANIFEST = "slack-manifest.yml"


@dataclass(frozen=True)
class Finding:
    area: str  # settings, database, slack, channels, feeds, templates
    status: str  # ok | warn | fail
    text: str
    fix: str = ""


def _ok(area, text) -> Finding:
    return Finding(area, OK, text)


def _warn(area, text, fix="") -> Finding:
    return Finding(area, WARN, text, fix)


def _fail(area, text, fix="") -> Finding:
    return Finding(area, FAIL, text, fix)


# ---- settings --------------------------------------------------------------------------------
def check_settings(settings: Settings) -> list[Finding]:
    out = []
    if not settings.slack_enabled:
        out.append(_warn("settings", "SLACK_BOT_TOKEN is not set: Slack commands and digests are off",
                         "set SLACK_BOT_TOKEN (xoxb-…) from the app's OAuth & Permissions page"))
    elif settings.socket_mode:
        out.append(_ok("settings", "Socket Mode (SLACK_APP_TOKEN set)"))
    elif settings.slack_signing_secret:
        out.append(_ok("settings", f"HTTP mode on port {settings.port}"))
    else:
        out.append(_fail("settings", "HTTP mode without SLACK_SIGNING_SECRET: the bot will not start",
                         "set SLACK_SIGNING_SECRET (Basic Information → App Credentials), or SLACK_APP_TOKEN for Socket Mode"))
    if settings.slack_enabled and not settings.admins:
        out.append(_warn("settings", "AIBRIEF_ADMINS is empty: only workspace admins and owners can change things",
                         "list admins' Slack user IDs in AIBRIEF_ADMINS if others should"))
    out.append(_ok("settings", f"retention {settings.retention_days} days, feeds polled every {settings.poll_minutes} min"))
    return out


# ---- database --------------------------------------------------------------------------------
def check_database(settings: Settings, open_store: Callable) -> tuple[list[Finding], object | None]:
    from bot.store import LATEST_VERSION

    if not settings.database_is_postgres and not Path(settings.database).expanduser().exists():
        # opening would create an empty file, and every later check would fail on missing tables
        return [_fail("database", f"there is no database at {_shown_db(settings)} yet",
                      "run: aibrief fetch (creates it and polls the feeds), or aibrief db migrate")], None
    try:
        store = open_store(settings.database, migrate=False)
    except Exception as exc:
        return [_fail("database", f"cannot open {_shown_db(settings)}: {_one_line(exc)}",
                      "check AIBRIEF_DATABASE, that the server runs, and the credentials")], None
    out = []
    try:
        version = store.schema_version()
    except Exception as exc:
        return [_fail("database", f"{_shown_db(settings)} does not answer: {_one_line(exc)}")], store
    if version < LATEST_VERSION:
        out.append(_fail("database", f"schema version {version}, this aibrief needs {LATEST_VERSION}",
                         "run: aibrief db migrate"))
    elif version > LATEST_VERSION:
        out.append(_fail("database", f"schema version {version} is newer than this aibrief ({LATEST_VERSION})",
                         "upgrade aibrief to the version that migrated it"))
    else:
        out.append(_ok("database", f"{_shown_db(settings)} reachable, schema version {version} (latest)"))
    files = store.files()
    if files:
        out += _sqlite_files(files)
    try:
        size = store.database_bytes()
        text = f"size {_mib(size)}, {store.count_articles()} article(s)"
        free = store.free_fraction()
        if free is None:  # PostgreSQL: autovacuum's business
            text += f", articles last vacuumed {_ago(store.last_vacuum())}"
        else:
            text += f", {free:.0%} free pages (reused by new articles), last vacuum {_ago(store.last_vacuum())}"
        if size > BIG_DATABASE:
            out.append(_warn("database", text, "consider a shorter AIBRIEF_RETENTION_DAYS, then aibrief db prune"))
        else:
            out.append(_ok("database", text))
    except Exception as exc:
        out.append(_warn("database", f"could not measure the database: {_one_line(exc)}"))
    if version == LATEST_VERSION:
        pending = store.count_without_language()
        if pending:  # not a fault: `aibrief run` detects them in the background
            out.append(_ok("database", f"{pending:,} article(s) stored before languages were detected are still "
                                       "to be detected (aibrief run does it in the background; now: aibrief db languages)"))
    return out, store


def _sqlite_files(files: list[Path]) -> list[Finding]:
    """`files`: the database file first, then its companions (Store.files())."""
    path = files[0]
    out = []
    for candidate in files:
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            out.append(_fail("database", f"{candidate} can be read by other users (mode {mode:04o}); it holds the bot's data",
                             f"chmod 600 {candidate}"))
    if not os.access(path, os.W_OK):
        out.append(_fail("database", f"{path} is not writable by this user", f"check the owner of {path}"))
    if not out:
        out.append(_ok("database", "file permissions private (0600)"))
    return out


# ---- Slack -----------------------------------------------------------------------------------
def manifest_scopes(text: str) -> list[str]:
    """The bot scopes of slack-manifest.yml (oauth_config → scopes → bot, block list)."""
    m = re.search(r"^(\s*)bot:\s*\n((?:\1\s+- .*\n?)+)", text, re.M)
    if not m:
        return []
    return [line.split("#", 1)[0].strip()[2:].strip() for line in m.group(2).splitlines() if line.strip().startswith("-")]


def find_manifest() -> Path | None:
    for folder in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (folder / MANIFEST).is_file():
            return folder / MANIFEST
    return None


def check_slack(settings: Settings, client, store, *, manifest: Path | None = None) -> list[Finding]:
    from slack_sdk.errors import SlackApiError, SlackClientError

    if client is None:
        return []
    try:
        resp = client.auth_test()
    except SlackApiError as exc:
        error = (exc.response or {}).get("error") or "unknown error"
        return [_fail("slack", f"Slack rejects SLACK_BOT_TOKEN (auth.test: {error})",
                      "copy the Bot User OAuth Token again from the app's Install App page")]
    except (SlackClientError, OSError) as exc:
        return [_fail("slack", f"cannot reach the Slack API at {settings.slack_api_url}: {_one_line(exc)}",
                      "check the network, a proxy, or SLACK_API_URL")]
    out = [_ok("slack", f"bot token works: {resp.get('user') or '?'} in {resp.get('team') or '?'}")]
    out += _scopes(resp, manifest or find_manifest())
    out += _channels(settings, client, store)
    if settings.socket_mode:
        try:
            client.apps_connections_open(app_token=settings.slack_app_token)
            out.append(_ok("slack", "app token opens Socket Mode connections"))
        except SlackApiError as exc:
            error = (exc.response or {}).get("error") or "unknown error"
            out.append(_fail("slack", f"Slack rejects SLACK_APP_TOKEN (apps.connections.open: {error})",
                             "make an app-level token with connections:write (Basic Information → App-Level Tokens)"))
        except (SlackClientError, OSError) as exc:
            out.append(_fail("slack", f"apps.connections.open failed: {_one_line(exc)}"))
    return out


def _scopes(resp, manifest: Path | None) -> list[Finding]:
    headers = getattr(resp, "headers", None) or {}
    granted_raw = next((v for k, v in headers.items() if k.lower() == "x-oauth-scopes"), None)
    if isinstance(granted_raw, list):
        granted_raw = ",".join(granted_raw)
    if manifest is None:
        return [_warn("slack", f"{MANIFEST} not found: cannot compare the scopes granted with those it asks for")]
    wanted = manifest_scopes(manifest.read_text(encoding="utf-8"))
    if granted_raw is None:
        return [_warn("slack", "Slack did not say which scopes the token has (no x-oauth-scopes header)")]
    granted = {s.strip() for s in granted_raw.split(",") if s.strip()}
    missing = [s for s in wanted if s not in granted]
    if missing:
        return [_fail("slack", f"the token lacks scope(s) {', '.join(missing)} that {MANIFEST} asks for",
                      "add them under OAuth & Permissions → Bot Token Scopes (or paste the manifest again), "
                      "then reinstall the app to the workspace")]
    return [_ok("slack", f"all {len(wanted)} scopes of {MANIFEST} granted")]


def _channels(settings: Settings, client, store) -> list[Finding]:
    from slack_sdk.errors import SlackApiError, SlackClientError

    channels = [(s.channel, "digests") for s in store.list_subscriptions() if s.enabled] if store else []
    if settings.alert_channel:
        channels.append((settings.alert_channel, "feed alerts"))
    out = []
    for channel, what in channels:
        if channel[:1] in ("U", "W", "D"):
            continue  # a DM digest: the bot can always write to a person
        try:
            info = client.conversations_info(channel=channel).get("channel") or {}
        except SlackApiError as exc:
            error = (exc.response or {}).get("error") or "unknown error"
            out.append(_fail("channels", f"{channel} ({what}): Slack says {error}",
                             "check the channel ID; for a private channel invite the bot first"))
            continue
        except (SlackClientError, OSError) as exc:
            out.append(_warn("channels", f"{channel} ({what}): could not check ({_one_line(exc)})"))
            continue
        if info.get("is_member"):
            out.append(_ok("channels", f"{channel} ({what}): the bot is a member"))
        else:
            out.append(_fail("channels", f"{channel} ({what}): the bot is not in this channel",
                             f"in #{info.get('name') or channel}: /invite @aibrief"))
    return out


# ---- feeds and templates ------------------------------------------------------------------------
def check_feeds(store) -> list[Finding]:
    from bot.feeds.health import FAILING, feed_health

    feeds = store.list_feeds()
    if not feeds:
        return [_warn("feeds", "no feeds", "aibrief feeds add URL")]
    polls = store.poll_states()
    states: dict[str, int] = {}
    out = []
    for f in feeds:
        state = feed_health(f, polls.get(f.id))
        states[state] = states.get(state, 0) + 1
        if state == FAILING:
            out.append(_fail("feeds", f"{f.url} failing ({f.error_count}x): {f.last_error}",
                             "fix or remove it: aibrief feeds remove URL (it is retried with backoff meanwhile)"))
    summary = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    return [_ok("feeds", f"{len(feeds)} feed(s): {summary}")] + out


def check_templates(settings: Settings, store) -> list[Finding]:
    from bot.digest.render import TemplateProblem, available_templates, render_template
    from bot.digest.service import sample_context

    names = available_templates(settings.digests_dir)
    used = {s.template for s in store.list_subscriptions()} if store else set()
    out = []
    context = sample_context()
    for name in sorted(set(names) | used):
        if name not in names:
            out.append(_fail("templates", f"digests/{name}.j2 is used by a channel but does not exist",
                             f"restore it, or pick another: aibrief channels add CHANNEL --template NAME"))
            continue
        try:
            render_template(name, context, settings.digests_dir)
        except TemplateProblem as exc:
            out.append(_fail("templates", f"digests/{name}.j2 does not render: {_one_line(exc)}",
                             "fix the template (channels using it get the default one meanwhile)"))
    if not out:
        out.append(_ok("templates", f"{len(names)} template(s) render: {', '.join(names)}"))
    return out


# ---- search --------------------------------------------------------------------------------------
def check_search(store) -> list[Finding]:
    """Which full-text path searches take (bot/store/rum.py): on PostgreSQL, RUM where the
    extension was there at migration, else GIN, which scores every match of a query."""
    if store.search_index() == "fts5":
        return [_ok("search", "full-text search: SQLite FTS5")]
    if store.search_index() == "rum":
        return [_ok("search", "full-text search: RUM index (best matches read from the index)")]
    if store.has_rum_index():
        return [_ok("search", "full-text search: GIN index, exact ranking (a RUM index is there; "
                              "AIBRIEF_SEARCH_RUM=1 ranks its candidates instead: faster, approximate)")]
    return [_ok("search", "full-text search: GIN index (every match is scored; on a large archive a RUM "
                          "index is faster: as an admin, CREATE EXTENSION rum; CREATE INDEX articles_tsv_rum "
                          "ON articles USING rum (tsv rum_tsvector_ops); then restart)")]


# ---- all of it ---------------------------------------------------------------------------------
def run_checks(settings: Settings, *, client=None, open_store=None, manifest: Path | None = None) -> list[Finding]:
    if open_store is None:
        from bot.store import open_store
    findings = check_settings(settings)
    db_findings, store = check_database(settings, open_store)
    findings += db_findings
    try:
        findings += check_slack(settings, client, store, manifest=manifest)
        if store is not None:
            for check in (check_search, check_feeds, lambda s: check_templates(settings, s)):
                try:
                    findings += check(store)
                except Exception as exc:  # one broken check must not hide the others
                    findings.append(_warn("doctor", f"a check failed to run: {_one_line(exc)}"))
    finally:
        if store is not None:
            store.close()
    return findings


def failed(findings: Iterable[Finding]) -> bool:
    return any(f.status == FAIL for f in findings)


def as_text(findings: list[Finding]) -> str:
    marks = {OK: "ok  ", WARN: "warn", FAIL: "FAIL"}
    lines = []
    for f in findings:
        lines.append(f"{marks[f.status]}  {f.area:<9} {f.text}")
        if f.fix and f.status != OK:
            lines.append(f"{'':<16}→ {f.fix}")
    problems = sum(1 for f in findings if f.status == FAIL)
    warnings = sum(1 for f in findings if f.status == WARN)
    lines.append(f"{problems} problem(s) to fix, {warnings} warning(s)." if problems or warnings
                 else "All good.")
    return "\n".join(lines)


def slack_reply(findings: list[Finding]) -> dict:
    """The same summary as a Slack message (problems first, every line escaped)."""
    from bot.mrkdwn import escape

    marks = {OK: ":white_check_mark:", WARN: ":warning:", FAIL: ":x:"}
    ordered = sorted(findings, key=lambda f: {FAIL: 0, WARN: 1, OK: 2}[f.status])
    lines = [f"{marks[f.status]} *{f.area}* {escape(f.text)}" + (f"\n      → {escape(f.fix)}" if f.fix and f.status != OK
                                                                else "") for f in ordered]
    head = as_text(findings).splitlines()[-1]
    blocks, chunk = [{"type": "header", "text": {"type": "plain_text", "text": "aibrief doctor"}},
                     {"type": "section", "text": {"type": "mrkdwn", "text": escape(head)}}], ""
    for line in lines:
        if len(chunk) + len(line) + 1 > 2900:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
            chunk = ""
        chunk += line[:2900] + "\n"
        if len(blocks) >= 48:
            break
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    return {"text": f"aibrief doctor: {head}", "blocks": blocks[:50]}


def doctor_command(text: str, user: str, deps, client) -> dict | None:
    """The `/aibrief doctor` hook of the slash-command router: None unless the text is
    `doctor`; admins get the findings, everyone else a refusal."""
    if (text or "").strip().lower() != "doctor":
        return None
    if not deps.admin_check.is_admin(user, client):
        return {"text": "Only admins can run the doctor: it shows the bot's settings and problems."}
    return slack_reply(run_checks(deps.settings, client=client))


# ---- small helpers -------------------------------------------------------------------------------
def _shown_db(settings: Settings) -> str:
    from bot.store import shown_database

    return shown_database(settings.database)


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def _ago(ts: int | None) -> str:
    if ts is None:
        return "never"
    from bot.humanize import relative_time
    from bot.store import from_ts

    return relative_time(from_ts(ts))


def _one_line(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:300]
