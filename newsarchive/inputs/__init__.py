"""Where pages come from: HTTP fetches (with politeness), listings (feeds, sitemaps, URL lists)
and saved files (folders, zips, browser formats, WARC, our own JSON Lines export).

Each reader yields RawPage objects (or, for our export, finished Articles) and knows nothing of
extraction or the archive."""
