"""Settings, read once at start from the environment (and a `.env` file in the working directory).

Validating everything up front means a typo in `AIBRIEF_POLL_MINUTES` stops the bot with one
clear line at start instead of failing hours later inside a scheduled job.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# Knobs for the test suite only, deliberately left out of .env.example and the README.
TEST_ONLY_SETTINGS = frozenset({"AIBRIEF_TEST_POLL_SECONDS"})


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Slack IDs: a kind letter, then upper-case letters and digits (there is always a digit;
# a name such as "bob" or "general" is not an ID). The same shape digest channels use
# (bot/digest/service.py).
USER_ID = re.compile(r"^[UW](?=[A-Z0-9]*\d)[A-Z0-9]{6,20}$")
CHANNEL_ID = re.compile(r"^[CG](?=[A-Z0-9]*\d)[A-Z0-9]{6,20}$")


class ConfigError(ValueError):
    """A setting has a bad value; the message is one line naming the key and what is wrong."""


def is_postgres_url(database: str) -> bool:
    """Whether a database setting names PostgreSQL (else it is a SQLite file): the one test
    the settings, the store and `aibrief db copy` all use."""
    return database.startswith(("postgresql://", "postgres://"))


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database: str = "data/aibrief.db"
    admins: frozenset[str] = field(default_factory=frozenset)
    poll_minutes: int = 30
    allow_private_networks: bool = False
    port: int = 3000
    alert_channel: str | None = None
    digests_dir: str = "digests"
    log_level: str = "INFO"
    retention_days: int = 365  # articles older than this are pruned (bot/ops/retention.py)
    metrics_port: int | None = None  # Socket Mode's /metrics port (HTTP mode serves it on PORT)
    # Test-only (AIBRIEF_TEST_POLL_SECONDS, not documented for users): a poll interval in
    # seconds, so the multi-replica test sees several intervals in seconds, not minutes.
    poll_seconds_override: int | None = None
    # The optional model features (bot/llm/): off unless both the URL and the model are set.
    llm_url: str | None = None  # the chat-completions endpoint, normalized (llm_endpoint)
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: int = 20  # per call
    llm_daily_calls: int = 1000  # across replicas, per UTC day
    llm_digest_seconds: int = 30  # all of one digest's "why it matters" calls together

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_url and self.llm_model)

    @property
    def poll_seconds(self) -> int:
        """Seconds between feed polls: AIBRIEF_POLL_MINUTES, unless a test overrides it."""
        return self.poll_seconds_override or self.poll_minutes * 60

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def database_is_postgres(self) -> bool:
        return is_postgres_url(self.database)

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line or an error message."""
        return [s for s in (self.slack_bot_token, self.slack_app_token, self.slack_signing_secret,
                            self.llm_api_key) if s]


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(key: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{key}={raw!r} is not a boolean (use true or false)")


def _int(key: str, raw: str, lo: int, hi: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a whole number") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{key}={value} is out of range ({lo}..{hi})")
    return value


def _database(raw: str) -> str:
    value = raw.strip()
    if not value:
        raise ConfigError("AIBRIEF_DATABASE is empty (give a file path or a postgresql:// URL)")
    if "://" in value:
        scheme = value.split("://", 1)[0].lower()
        if scheme not in ("postgresql", "postgres", "sqlite"):
            raise ConfigError(
                f"AIBRIEF_DATABASE has unknown scheme {scheme!r} (use a file path or postgresql://…)"
            )
        if scheme == "sqlite":
            value = value.split("://", 1)[1]
            if not value:
                raise ConfigError(
                    "AIBRIEF_DATABASE=sqlite:// names no file (give sqlite:///path/to/aibrief.db or a file path)"
                )
    if value == ":memory:" or "mode=memory" in value:
        # each connection would get its own empty database: the scheduler's threads and
        # Slack's would not see each other's data
        raise ConfigError(f"AIBRIEF_DATABASE={raw.strip()!r} is an in-memory database, which the bot's "
                          "threads cannot share: give a file path")
    return value


def _ids(key: str, raw: str, pattern: re.Pattern, what: str) -> frozenset[str]:
    values = [v.strip() for v in raw.split(",") if v.strip()]
    for v in values:
        if not pattern.match(v):
            where = ("U0123ABCD; in Slack: the person's profile → ⋮ → Copy member ID" if what == "user"
                     else "C0123ABCD; in Slack: channel details → About → Channel ID")
            raise ConfigError(f"{key}: {v!r} is not a Slack {what} ID (e.g. {where})")
    return frozenset(values)


def _log_level(raw: str) -> str:
    value = raw.strip().upper() or "INFO"
    if value not in LOG_LEVELS:
        raise ConfigError(f"AIBRIEF_LOG_LEVEL={raw!r} is not a log level (use {', '.join(LOG_LEVELS)})")
    return value


def _api_url(raw: str) -> str:
    value = raw.strip()
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"SLACK_API_URL={raw!r} must be an http(s) URL ending in /api/")
    return value if value.endswith("/") else value + "/"


def llm_endpoint(raw: str) -> str | None:
    """AIBRIEF_LLM_URL → the chat-completions URL it names, or None when unset.

    Operators paste either the server's base (`http://localhost:11434`, Ollama's own
    docs) or the API base (`https://api.example.com/v1`, the OpenAI clients' convention):
    both mean `{base}/v1/chat/completions`. A full `…/v1/chat/completions` is taken as is."""
    from urllib.parse import urlsplit

    value = raw.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"AIBRIEF_LLM_URL={value!r} must be an http(s) URL such as http://localhost:11434")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError("AIBRIEF_LLM_URL must not carry a user, password, query or fragment "
                          "(put a key in AIBRIEF_LLM_API_KEY)")
    try:
        parts.port
    except ValueError:
        raise ConfigError(f"AIBRIEF_LLM_URL={value!r} has a bad port") from None
    path = parts.path.rstrip("/")
    if path.endswith("/chat/completions"):
        path = path[: -len("/chat/completions")]
    if path.endswith("/v1"):
        path = path[: -len("/v1")]
    return f"{parts.scheme}://{parts.netloc}{path}/v1/chat/completions"


def _token(key: str, raw: str, prefix: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not value.startswith(prefix):
        raise ConfigError(f"{key} should start with {prefix!r}")
    return value


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Build Settings from `environ` (default os.environ) over values from `env_file`.

    Real environment variables win over the file, as with every twelve-factor tool.
    """
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    get = values.get

    admins = _ids("AIBRIEF_ADMINS", get("AIBRIEF_ADMINS", ""), USER_ID, "user")
    alert = _ids("AIBRIEF_ALERT_CHANNEL", get("AIBRIEF_ALERT_CHANNEL", ""), CHANNEL_ID, "channel")
    if len(alert) > 1:
        raise ConfigError("AIBRIEF_ALERT_CHANNEL takes one channel ID")
    return Settings(
        slack_bot_token=_token("SLACK_BOT_TOKEN", get("SLACK_BOT_TOKEN", ""), "xoxb-"),
        slack_app_token=_token("SLACK_APP_TOKEN", get("SLACK_APP_TOKEN", ""), "xapp-"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET", "").strip() or None,
        slack_api_url=_api_url(get("SLACK_API_URL", DEFAULT_SLACK_API_URL)),
        database=_database(get("AIBRIEF_DATABASE", "data/aibrief.db")),
        admins=admins,
        poll_minutes=_int("AIBRIEF_POLL_MINUTES", get("AIBRIEF_POLL_MINUTES", "30"), 1, 24 * 60),
        allow_private_networks=_bool(
            "AIBRIEF_ALLOW_PRIVATE_NETWORKS", get("AIBRIEF_ALLOW_PRIVATE_NETWORKS", "false")
        ),
        port=_int("PORT", get("PORT", "3000"), 1, 65535),
        alert_channel=next(iter(alert), None),
        digests_dir=get("AIBRIEF_DIGESTS_DIR", "digests").strip() or "digests",
        log_level=_log_level(get("AIBRIEF_LOG_LEVEL", "INFO")),
        retention_days=_int("AIBRIEF_RETENTION_DAYS", get("AIBRIEF_RETENTION_DAYS", "365"), 1, 36500),
        metrics_port=(
            _int("AIBRIEF_METRICS_PORT", get("AIBRIEF_METRICS_PORT"), 1, 65535)
            if get("AIBRIEF_METRICS_PORT", "").strip() else None
        ),
        llm_url=llm_endpoint(get("AIBRIEF_LLM_URL", "")),
        llm_model=get("AIBRIEF_LLM_MODEL", "").strip() or None,
        llm_api_key=get("AIBRIEF_LLM_API_KEY", "").strip() or None,
        llm_timeout_s=_int("AIBRIEF_LLM_TIMEOUT_SECONDS", get("AIBRIEF_LLM_TIMEOUT_SECONDS", "20"), 1, 600),
        llm_daily_calls=_int("AIBRIEF_LLM_DAILY_CALLS", get("AIBRIEF_LLM_DAILY_CALLS", "1000"), 0, 10_000_000),
        llm_digest_seconds=_int("AIBRIEF_LLM_DIGEST_SECONDS", get("AIBRIEF_LLM_DIGEST_SECONDS", "30"), 1, 3600),
        poll_seconds_override=(
            _int("AIBRIEF_TEST_POLL_SECONDS", get("AIBRIEF_TEST_POLL_SECONDS"), 1, 3600)
            if get("AIBRIEF_TEST_POLL_SECONDS", "").strip() else None
        ),
    )
