"""Backups (issue 18): the daily run of a server's BorgBackup repository, pruning to 7 generations,
restores by the provider and the end user, and the schedule that starts the runs."""
