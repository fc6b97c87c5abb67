"""newsarchive: a durable, searchable, offline archive of news articles.

The library is importable without the CLI: see ``newsarchive.pipeline`` for the entry points.
"""

__version__ = "0.1.0"
