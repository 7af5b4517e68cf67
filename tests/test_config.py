import pytest

from bot.config import ConfigError, load_settings


def test_defaults_match_the_contract():
    s = load_settings({}, env_file=None)
    assert s.slack_bot_token is None and not s.slack_enabled
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.database == "data/aibrief.db"
    assert s.poll_minutes == 30 and s.port == 3000
    assert s.allow_private_networks is False
    assert s.admins == frozenset()


def test_values_are_parsed():
    s = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1-2",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "AIBRIEF_ADMINS": " U0123ABCD, W0456EFGH ,,",
            "AIBRIEF_POLL_MINUTES": "5",
            "AIBRIEF_ALLOW_PRIVATE_NETWORKS": "TRUE",
            "AIBRIEF_DATABASE": "sqlite:///tmp/x.db",
        },
        env_file=None,
    )
    assert s.slack_enabled and s.socket_mode
    assert s.slack_api_url == "http://127.0.0.1:9/api/"
    assert s.admins == {"U0123ABCD", "W0456EFGH"}
    assert s.poll_minutes == 5 and s.allow_private_networks
    assert s.database == "/tmp/x.db"


@pytest.mark.parametrize(
    "env, needle",
    [
        ({"AIBRIEF_POLL_MINUTES": "abc"}, "AIBRIEF_POLL_MINUTES"),
        ({"AIBRIEF_POLL_MINUTES": "0"}, "out of range"),
        ({"AIBRIEF_DATABASE": "mysql://x/y"}, "unknown scheme"),
        ({"AIBRIEF_ALLOW_PRIVATE_NETWORKS": "maybe"}, "boolean"),
        ({"PORT": "99999"}, "PORT"),
        ({"SLACK_BOT_TOKEN": "xapp-wrong"}, "xoxb-"),
        ({"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
        ({"AIBRIEF_LOG_LEVEL": "VERBOSE"}, "AIBRIEF_LOG_LEVEL='VERBOSE' is not a log level"),
        ({"AIBRIEF_LOG_LEVEL": "basic_format"}, "AIBRIEF_LOG_LEVEL='basic_format' is not a log level"),
        ({"AIBRIEF_ADMINS": "U0123ABCD,bob"}, "AIBRIEF_ADMINS: 'bob' is not a Slack user ID"),
        ({"AIBRIEF_ADMINS": "C0123ABCD"}, "is not a Slack user ID"),
        ({"AIBRIEF_ALERT_CHANNEL": "general"}, "AIBRIEF_ALERT_CHANNEL: 'general' is not a Slack channel ID"),
        ({"AIBRIEF_ALERT_CHANNEL": "#alerts"}, "is not a Slack channel ID"),
        ({"AIBRIEF_ALERT_CHANNEL": "C0123ABCD,C0456EFGH"}, "one channel ID"),
        ({"AIBRIEF_DATABASE": "sqlite://"}, "names no file"),
        ({"AIBRIEF_DATABASE": ":memory:"}, "in-memory database"),
        ({"AIBRIEF_DATABASE": "sqlite://:memory:"}, "in-memory database"),
        ({"AIBRIEF_DATABASE": "file:x?mode=memory&cache=shared"}, "in-memory database"),
    ],
)
def test_bad_values_give_one_line_reason(env, needle):
    with pytest.raises(ConfigError) as err:
        load_settings(env, env_file=None)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_env_file_is_read_and_environment_wins(tmp_path):
    f = tmp_path / ".env"
    f.write_text("AIBRIEF_POLL_MINUTES=7\nPORT=4000\n# comment\n")
    s = load_settings({"PORT": "5000"}, env_file=f)
    assert s.poll_minutes == 7 and s.port == 5000


def test_slack_ids_and_levels_that_are_right_are_kept():
    s = load_settings({"AIBRIEF_ADMINS": "U0123ABCD,W0456EFGH", "AIBRIEF_ALERT_CHANNEL": " G0PRIVATE1 ",
                       "AIBRIEF_LOG_LEVEL": "warning", "AIBRIEF_DATABASE": "sqlite:///tmp/x.db"}, env_file=None)
    assert s.admins == {"U0123ABCD", "W0456EFGH"} and s.alert_channel == "G0PRIVATE1"
    assert s.log_level == "WARNING" and s.database == "/tmp/x.db"
