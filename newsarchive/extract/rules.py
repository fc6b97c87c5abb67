"""Where packaged extraction rules live as data, shared by the stages that read a page."""

from __future__ import annotations

REGEX_NS = {"re": "http://exslt.org/regular-expressions"}
# Where other stories' dates and bylines live: lists of links, asides, related widgets.
OTHER_STORIES_XPATH = (
    "ancestor::aside | ancestor::nav | ancestor::footer | ancestor::li | "
    "ancestor::*[re:test(concat(@class, ' ', @id), 'related|sidebar|most-?(read|popular)|teaser|recommend', 'i')]"
)
