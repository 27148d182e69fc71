"""One module per replica site: its page templates, lists, feeds and APIs."""
