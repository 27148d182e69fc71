"""Drivers of the unit of work: the one-shot crawl, the daemon (APScheduler), alert dispatch, source health."""
