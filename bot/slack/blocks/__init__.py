"""Block Kit payloads for every reply the app sends: pure functions from plain data to dicts.

Kept apart from the listeners so each layout is tested without Slack (and validated with
slack_sdk.models in the tests). Every string that came from a feed or a user goes through
`bot.mrkdwn` (escape / link / truncate) before it lands in a mrkdwn field, so a title like
`<!channel>` shows literally and pings no one. Limits respected here: 50 blocks per
message, 100 per view, 3000 characters per section, 2000 per button value, 24 per modal title,
and the digests' size budget (bot.digest.validate.MAX_MESSAGE_CHARS of block JSON) for every
list reply, which is paged with More / Back buttons like search results.

Feed URLs reach Slack only through `feed_link` (bot.redact): members see host and path,
admins the URL with its userinfo and query values masked; no payload carries the secrets.

One module per kind of payload: `replies` (what a command or a button answers), `home` (the
App Home tab), `modals` (the watchlist modals), `action_ids` (the ids the listeners match on)
and `parts` (the small pieces they all build with). `from bot.slack import blocks` reaches
them all through the names re-exported here.
"""

from bot.slack.blocks.action_ids import (  # noqa: F401
    ACTION_HOME_ADD, ACTION_HOME_REMOVE, ACTION_LIST_MORE, ACTION_LIST_PREV, ACTION_MORE, ACTION_NOTIFY,
    ACTION_NAME, ACTION_PREV, ACTION_REMOVE_SELECT, ACTION_SHARE, ACTION_SUGGEST, ACTION_WATCH_QUERY,
    ACTION_WATCH_THIS,
    BLOCK_NAME, BLOCK_PREVIEW, BLOCK_QUERY, BLOCK_REMOVE, LIST_AUDIT, LIST_FEEDS, LIST_WATCH,
    VIEW_WATCH_ADD, VIEW_WATCH_REMOVE, ACTION_SHARE_TO, ACTION_UNSAVE, BLOCK_SHARE_TO, LIST_SAVED, VIEW_SHARE,
)
from bot.slack.blocks.parts import (  # noqa: F401
    code, date, local_date, message, notice,
)
from bot.slack.blocks.replies import (  # noqa: F401
    EXAMPLE_QUERY, HELP, LIST_FRAME_CHARS, Lines, MATCHES_SHOWN, PAGE_SIZE,
    TEMPLATE_ERROR_PREFIX, TEMPLATE_ERROR_PUBLIC, audit_line, audit_list, digest_posted, done,
    error_text, feed_line, feed_link, feeds_list, help_message, hit_text, hit_why, list_value,
    no_results, not_in_channel, page_value, paged_list, public_feed_error, query_error,
    query_node, refusal, schedule_error, search_results, share_value, shared_result, suggest_value,
    stats_lines, suggestion_text, usage_error, vote_ack, watch_line, watch_list, watch_matches,
    watch_stats, watch_test, watch_value,
)
from bot.slack.blocks.home import (  # noqa: F401
    HOME_FEEDS_MAX, HOME_WATCHLISTS_MAX, ScheduleRow, home_view,
)
from bot.slack.blocks.saved import (  # noqa: F401
    HOME_SAVED_MAX, REST_PAGE, SAVED_PAGE, home_saved, rest_page, save_ack, saved_list, share_modal, unsave_value,
)
from bot.slack.blocks.modals import (  # noqa: F401
    add_watchlist_modal, preview_text, remove_watchlist_modal,
)
