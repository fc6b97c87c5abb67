"""The archive on disk: article files (JSON and Markdown), raw pages in WARC, tombstones of deleted
articles, and the index (SQLite or PostgreSQL) with its search."""
