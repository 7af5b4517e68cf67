"""Running the bot for a long time: retention, backups, the doctor, metrics, a graceful stop."""
