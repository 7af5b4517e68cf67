"""The poll stage: one poll of every due feed (poller: fetch ▸ parse ▸ store ▸ match), the
worker processes that parse (parsepool) and when to try a failing feed again (backoff)."""
