"""What leaves the archive: exports (JSON Lines, CSV, WARC), the static site, terminal views."""
