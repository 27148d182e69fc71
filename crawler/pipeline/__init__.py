"""The unit of work: ``run_source`` takes one source from discovery to stored, matched, queued alerts."""
