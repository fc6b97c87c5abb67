"""newsarchive: a durable, searchable, offline archive of news articles.

The library is importable without the CLI: see ``newsarchive.runs.pipeline`` for the entry points.
"""

__version__ = "0.1.0"

import warnings

# trafilatura and courlan import urllib3's SOCKS support, which warns on every run when the
# optional PySocks is absent; we never use SOCKS, so that warning is noise for our users.
warnings.filterwarnings("ignore", message="SOCKS support in urllib3", module="urllib3.contrib.socks")
