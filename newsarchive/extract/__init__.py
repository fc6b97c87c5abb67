"""A RawPage becomes an Article here: encoding, the body, the boilerplate stripper and its rules,
declared metadata, visible bylines and printed dates. Nothing here reads the archive."""
