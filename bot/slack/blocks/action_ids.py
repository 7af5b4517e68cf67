"""The action_ids, block_ids and callback_ids the builders put in payloads and the listeners
match on: one list, so a renamed id cannot leave a listener waiting for a button that no
longer exists."""

ACTION_MORE = "search_more"
ACTION_PREV = "search_prev"
ACTION_SHARE = "search_share"
ACTION_NOTIFY = "search_notify"  # "Notify me": the query into the clicker's DM digest, value {"q": …}
ACTION_SUGGEST = "search_suggest"  # "Did you mean …?": runs the corrected query in place
ACTION_WATCH_THIS = "search_watch"  # admins: a watchlist from this search (opens the add modal)
ACTION_HOME_ADD = "home_add_watch"
ACTION_HOME_REMOVE = "home_remove_watch"
ACTION_WATCH_QUERY = "watch_query"  # the add-watchlist modal's query input (dispatches for a preview)
VIEW_WATCH_ADD = "watch_add_modal"
VIEW_WATCH_REMOVE = "watch_remove_modal"
BLOCK_NAME, BLOCK_QUERY, BLOCK_PREVIEW, BLOCK_REMOVE = "name", "query", "preview", "remove"
ACTION_NAME, ACTION_REMOVE_SELECT = "watch_name", "watch_remove"
ACTION_LIST_MORE = "list_more"  # More / Back under a list reply (feeds, watchlists, audit)
ACTION_LIST_PREV = "list_prev"
LIST_FEEDS, LIST_WATCH, LIST_AUDIT = "feeds", "watch", "audit"
LIST_SAVED = "saved"  # a reader's Save for later list (`/aibrief saved`, the App Home)
ACTION_UNSAVE = "saved_unsave"  # Unsave on one saved article
VIEW_SHARE = "digest_share_modal"  # Share… from a digest item: pick the channel
BLOCK_SHARE_TO, ACTION_SHARE_TO = "share_to", "share_channel"
