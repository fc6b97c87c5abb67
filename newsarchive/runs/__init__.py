"""The drivers: import, fetch, update (collect), the PostgreSQL worker, re-extraction and verify.
They tie inputs, extraction and the store together and count what happened."""
