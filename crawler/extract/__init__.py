"""Extraction: decoding, source profiles (data files), selectors, the generic fallback, clean-up, dates, language."""
