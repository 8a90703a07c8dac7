"""RQ jobs. Each takes ids, opens its own session and is safe to run twice."""
