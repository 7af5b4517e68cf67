"""Slack's limits on what a message or a view may hold (Block Kit), in one place: the
block builders stay under them and the digest validator checks against them."""

MAX_BLOCKS = 50  # blocks in one message
MAX_VIEW_BLOCKS = 100  # blocks in a modal or the App Home
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 3000
MAX_MESSAGE_CHARS = 12000  # serialized blocks; Slack's own ceiling is undocumented, this is well under it
MAX_FALLBACK_TEXT = 3000  # a message's top-level `text`
