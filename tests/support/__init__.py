"""What the tests share: loopback stand-ins (Slack Web API, Socket Mode, feeds, PostgreSQL),
hostile feed cases, harnesses and small builders. Tests and benchmarks import from here,
never from a test module."""
