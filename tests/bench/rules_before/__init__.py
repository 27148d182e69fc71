"""The rule matcher as it was on main before the rules part of issue #16 (commit 6dff5f3), kept verbatim
so ``python -m tests.bench.rules`` can run it side by side with ``rules.match`` and compare the results.

Only its imports differ (``rules.match``/``compiled``/``text`` → this package); it shares ``rules.query``,
``rules.attachments`` and ``rules.spec`` with the current code.
"""
