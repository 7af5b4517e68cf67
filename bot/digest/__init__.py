"""Daily digests: select ▸ cluster ▸ rank ▸ render (digests/*.j2) ▸ validate/split ▸ post.

- `select`   — the window a digest covers, and the pipeline from candidates to the chosen stories
- `cluster`  — the same story from several outlets becomes one story with "also in: …"
- `rank`     — more watchlists, better match, newer first; no one source fills the top
- `render`   — Jinja2 (sandboxed) templates → Block Kit, every outside string escaped by the machinery
- `validate` — Slack's limits checked with slack_sdk.models; over-long messages split
- `post`     — exactly-once posting with resume after a crash
- `service`  — the plain functions the CLI, the scheduler and the Slack app call
- `schedule` — when a subscription's digest is due (DST-correct), pure

All but `post` and `service` are pure: plain data in, plain data out.
"""
