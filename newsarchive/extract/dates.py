"""Dates as pages write them: ISO stamps, /YYYY/MM/DD/ paths, and the visible text of a dateline.

Everything comes out as ISO 8601 text that keeps what the page said and no more: a timezone
only when the page gives one, a time only when it gives one, a bare date otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

from lxml import html as lxml_html

from newsarchive.extract.rules import OTHER_STORIES_XPATH, REGEX_NS
from newsarchive.text import normalize_space
from newsarchive.timestamps import OLDEST_YEAR, ZONE_OFFSETS

URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>0?[1-9]|1[0-2])[/-](?P<d>0?[1-9]|[12]\d|3[01])(?:/|\b)")


# Month names in the languages the archive meets most, each mapped to its number.
_MONTH_NAMES = {
    1: "january jan januar jänner janvier janv enero ene janeiro gennaio gen januari يناير كانون_الثاني",
    2: "february feb februar février fevrier févr fevr febrero fevereiro fev febbraio februari فبراير شباط",
    3: "march mar märz maerz mars marzo março marco maart مارس آذار",
    4: "april apr avril abril abr aprile أبريل ابريل نيسان",
    5: "may mai mayo maio maggio mei مايو أيار",
    6: "june jun juni juin junio junho giugno يونيو حزيران",
    7: "july jul juli juillet juil julio julho luglio يوليو تموز",
    8: "august aug août aout agosto ago augustus أغسطس آب",
    9: "september sep sept septembre septiembre setiembre setembro set settembre سبتمبر أيلول",
    10: "october oct oktober octobre octubre outubro out ottobre ott أكتوبر اكتوبر تشرين_الأول",
    11: "november nov novembre noviembre novembro novembre نوفمبر تشرين_الثاني",
    12: "december dec dezember décembre decembre déc diciembre dic dezembro dez dicembre ديسمبر كانون_الأول",
}
MONTHS = {name.replace("_", " "): number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH = "(?P<month>" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|º|\.)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
DATE_PATTERNS = (
    re.compile(rf"\b{_YEAR}-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)(?![\d-])"),
    re.compile(rf"{_YEAR}\s*年\s*(?P<mnum>[01]?\d)\s*月\s*(?P<day>[0-3]?\d)\s*日"),
    re.compile(rf"(?<!\w){_DAY}\s*(?:de\s+)?{_MONTH}(?:\s+de)?,?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"(?<!\w){_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b(?P<day>[0-3]?\d)\.(?P<mnum>[01]?\d)\.{_YEAR}\b"),
)
# A time right after the date: "09:30", "9.30 am", "09h30", "9:30 a.m. EDT", "um 09:30 Uhr", "10時5分".
TIME_AFTER_DATE = re.compile(
    r"^[\s,·|/-]*(?:(?:at|um|à|a las|às|alle|kl\.?|-)\s*)?T?(?P<hour>[0-2]?\d)\s*(?:[:h.時]\s*)(?P<minute>[0-5]\d)"
    r"(?::(?P<second>[0-5]\d))?\s*分?\s*(?P<ampm>[ap]\.?\s?m\.?|صباحًا|صباحاً|صباحا|مساءً|مساءا|مساء)?\s*"
    r"(?:uhr|h\b)?\s*"
    r"(?:(?P<offset>[+-][01]\d:?[0-5]\d|Z\b)|\(?(?P<zone>[A-Z]{1,4})\b\)?)?",
    re.IGNORECASE,
)
ARABIC_AMPM = {"صبا": "am", "مسا": "pm"}  # صباحًا (morning), مساءً (evening)
EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def date_from_url(url: str | None) -> str | None:
    """A /YYYY/MM/DD/ date in a URL path."""
    if not url:
        return None
    match = URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return datetime(int(match["y"]), int(match["m"]), int(match["d"])).date().isoformat()
    except ValueError:
        return None


def find_visible_dates(text: str) -> list[tuple[int, str]]:
    """Every date written in a line of text, with the time and zone printed after it when there
    is one, as (position, ISO text). Month names in several languages; eastern digits too."""
    text = text.translate(EASTERN_DIGITS)
    found: list[tuple[int, str]] = []
    taken: list[range] = []
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() in span for span in taken):
                continue
            stamp = _datetime_at(match, text[match.end() : match.end() + 40])
            if stamp:
                found.append((match.start(), stamp))
                taken.append(range(match.start(), match.end()))
    return sorted(found)


def _datetime_at(match: re.Match[str], after: str) -> str | None:
    groups = match.groupdict()
    month = int(groups["mnum"]) if groups.get("mnum") else MONTHS.get(groups["month"].casefold())
    try:
        day = datetime(int(groups["year"]), month or 0, int(groups["day"]))
    except (ValueError, TypeError):
        return None
    if day.year < OLDEST_YEAR:
        return None
    clock = TIME_AFTER_DATE.match(after)
    if not clock:
        return day.date().isoformat()
    hour, minute = int(clock["hour"]), int(clock["minute"])
    ampm = ARABIC_AMPM.get((clock["ampm"] or "")[:3], (clock["ampm"] or "").replace(".", "").replace(" ", "").lower())
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23:
        return day.date().isoformat()
    moment = day.replace(hour=hour, minute=minute, second=int(clock["second"] or 0))
    zone = _zone(clock["offset"], clock["zone"])
    if zone is not None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat(timespec="seconds")


def _zone(offset: str | None, name: str | None) -> timezone | None:
    if offset:
        if offset.upper() == "Z":
            return UTC
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    if name and name.upper() in ZONE_OFFSETS and name.isupper():
        return timezone(timedelta(seconds=ZONE_OFFSETS[name.upper()]))
    return None


# Words that label a printed date as the first publication, or as a later update.
PUBLISHED_LABEL = re.compile(
    r"(?:first\s+)?(?:published|posted|dated?|issued|veröffentlicht|erschienen|publié|publiée|publicado|"
    r"publicada|pubblicato|gepubliceerd|発行|公開|配信|发布|發布|نشر)",
    re.IGNORECASE,
)
UPDATE_LABEL = re.compile(
    r"(?:last\s+)?(?:updated?|modified|edited|aktualisiert|geändert|mis à jour|modifié|actualizado|"
    r"actualizada|atualizado|aggiornato|bijgewerkt|更新|تحديث|آخر تحديث)",
    re.IGNORECASE,
)
DATE_LABELS = re.compile(f"(?P<updated>{UPDATE_LABEL.pattern})|(?P<published>{PUBLISHED_LABEL.pattern})", re.IGNORECASE)
MAX_DATELINE_CHARS = 200
# Elements whose class or id says they hold the article's own date (not a sidebar's).
DATE_HOLDER_XPATH = (
    ".//*[re:test(concat(@class, ' ', @id), '(^|[-_ ])(date|time|published|posted|byline|dateline|meta)', 'i')]"
)


def dates_in_text(tree: lxml_html.HtmlElement) -> tuple[str | None, str | None]:
    """(published, modified) as printed near the article: in a date or byline element, or after a
    label such as 'Published' or 'Aktualisiert am'. A date after an update label is the modified
    one, whichever comes first on the page; other stories' dates (sidebars, lists) are not read.
    """
    scopes = [tree.xpath(xpath) for xpath in ("//article", "//main | //*[@role='main']", "//body")]
    published = modified = None
    for scope in (found[0] for found in scopes if found):
        for text in _dateline_texts(scope):
            for position, stamp in find_visible_dates(text):
                labels = [m for m in DATE_LABELS.finditer(text[:position])]
                if labels and labels[-1].lastgroup == "updated":
                    modified = modified or stamp
                else:
                    published = published or stamp
        if published:
            break
    return published, modified


def _dateline_texts(scope: lxml_html.HtmlElement) -> Iterator[str]:
    """Short texts of the elements that hold a date: date/byline elements, then labelled lines."""
    holders = scope.xpath(DATE_HOLDER_XPATH, namespaces=REGEX_NS)
    labelled = [
        node.getparent()
        for node in scope.xpath(".//text()")
        if DATE_LABELS.match(str(node).strip()) and node.getparent() is not None
    ]
    for element in holders + labelled:
        if element.xpath(OTHER_STORIES_XPATH, namespaces=REGEX_NS):
            continue
        text = normalize_space(element.text_content())
        if text and len(text) <= MAX_DATELINE_CHARS:
            yield text
