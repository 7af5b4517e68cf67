"""aibrief: keeps a Slack team briefed on AI-security news."""

__version__ = "0.1.0"
