"""`python -m crawler` is `tidings`."""

from crawler.cli import main

main()
