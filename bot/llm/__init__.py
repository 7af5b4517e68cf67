"""Optional language-model help, off unless AIBRIEF_LLM_URL and AIBRIEF_LLM_MODEL are set.

- `client`: one chat-completions call over httpx, bounded in time and size, no redirects;
- `prompts`: what is sent (feed text always as delimited data), and reading the answers;
- `sanitize`: what comes back is treated like feed text, and dropped if it holds a link or mention;
- `gateway`: the cache in the database (asked once across replicas), the daily cap, the
  metrics and the once-per-outage log, around a batch of calls with a time budget;
- `why`, `relevance`, `ask`: the three features.

Nothing is sent unless the settings turn the features on (`Gateway.for_settings` is None
otherwise), and every feature degrades to "without the model" rather than failing what it
is part of: the digest, the poll, search.
"""
