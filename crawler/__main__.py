"""`python -m crawler` is `tidings`."""

from crawler.cli import entry

if __name__ == "__main__":
    entry()
