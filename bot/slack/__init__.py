"""The Slack side: the Web API client, the Bolt app and its listeners."""
