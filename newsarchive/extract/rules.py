"""The packaged extraction rules, as data: the stripper's line rules, the words that label a
byline or a credit, the crumbs that name the front page, which meta tags are trusted first,
and the thresholds the byline readers share. The stages that read a page (clean, bylines,
declared, dates) compile and apply them; nothing here runs.
"""

from __future__ import annotations

import re

from newsarchive.model import StripRule

# Words that open a printed byline before the names ('By Jane Doe', 'Von Max Muster',
# 'بقلم سلمى الحداد'), then a colon or a space; a space inside a label stands for any.
BYLINE_LABELS = (
    "by", "posted by", "written by", "words by", "story by", "von", "par", "por", "di", "door", "av", "af",
    "كتب", "كتبت", "بقلم", "نویسنده",
)  # fmt: skip
# The same in scripts written without spaces ('記者／山田太郎', '本报记者 张三').
BYLINE_LABELS_UNSPACED = ("作者", "文", "撰文", "本报记者", "本報記者", "记者", "記者")
# Words that stand alone in an author box beside the names: buttons and labels, not people.
AUTHOR_BOX_WORDS = frozenset(
    {
        "follow", "folgen", "suivre", "seguir", "segui", "volgen", "abonnieren", "subscribe", "more", "mehr",
        "profile", "profil", "author", "autor", "auteur", "autore", "email", "e-mail", "share", "teilen",
        "contact", "kontakt",
    }
)  # fmt: skip
# Labels of a credit that names where a text or a picture came from, not who wrote it: 'Quelle: dpa',
# 'Source: Reuters', '(Image: Getty Images)', 'Foto: …'. A declared author so labelled is no
# author, and a line that is only such a credit is stripped.
CREDIT_LABELS = (
    "photo", "photos", "foto", "fotos", "fotó", "фото", "zdjęcie", "image", "images", "picture", "pictures",
    "bild", "bilde", "bilder", "illustration", "illustrations", "grafik", "infografik", "video",
    "source", "sources", "quelle", "quellen", "fuente", "fuentes", "fonte", "fontes", "kuva", "zdroj", "źródło",
    "credit", "credits", "crédit", "crédits",
)  # fmt: skip
CREDIT_WORDS = "|".join(map(re.escape, CREDIT_LABELS))
# A line is read as a byline only up to this many words: a longer one is a sentence that
# happens to start with 'By', and stays in the body.
BYLINE_MAX_WORDS = 15
MAX_NAME_WORDS = 5  # a name of more words is a phrase the byline went on into
BYLINE_SEARCH_BLOCKS = 4  # the body's first blocks searched for a byline when no element is marked

# Breadcrumbs that name the front page, not the article's section.
HOME_CRUMBS = frozenset(
    {
        "home", "homepage", "home page", "start", "startseite", "accueil", "inicio", "portada", "início",
        "news", "الرئيسية", "الصفحة الرئيسية", "صفحه اصلی", "ホーム", "トップ", "首页", "首頁", "主页", "主頁",
    }
)  # fmt: skip

# JSON-LD types that mark the article's own node, in the order they are looked for.
ARTICLE_TYPES = (
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "LiveBlogPosting",
    "Article",
    "BlogPosting",
    "Report",
    "ScholarlyArticle",
    "TechArticle",
    "SocialMediaPosting",
)
PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "cxenseparse:recs:publishtime",
)
MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
    "article.updated",
)
# Meta tags naming the author, in the order they are trusted; the citation ones write "Family, Given".
AUTHOR_META = ("article:author", "author", "parsely-author", "sailthru.author", "dc.creator", "citation_author")
INVERTED_NAME_META = ("dc.creator", "citation_author")
# Meta tags (by lower-cased property, name or itemprop) for each field, the most trusted first.
TITLE_META = ("og:title", "twitter:title")
DESCRIPTION_META = ("og:description", "description", "twitter:description")
SECTION_META = ("article:section", "section", "parsely-section")
TAG_META = ("article:tag", "news_keywords", "keywords")
LANGUAGE_META = ("og:locale", "content-language", "language")
IMAGE_META = ("og:image", "og:image:url", "twitter:image")

REGEX_NS = {"re": "http://exslt.org/regular-expressions"}
# Where other stories' dates and bylines live: lists of links, asides, related widgets.
OTHER_STORIES_XPATH = (
    "ancestor::aside | ancestor::nav | ancestor::footer | ancestor::li | "
    "ancestor::*[re:test(concat(@class, ' ', @id), 'related|sidebar|most-?(read|popular)|teaser|recommend', 'i')]"
)

AGENCIES = "dpa|afp|ap|reuters|kna|epd|sid|apa|ansa|efe|tt|ntb|ritzau|anp|belga|ctk|pap|tass|ria|aa|dha|ians|pti|xinhua"
# The stripper's rules, each matched case-insensitively against a whole trimmed line; a rule's
# role (model.RuleRole) says what its match does besides removing the line.
_STAMP_LABEL = r"(updated|published|aktualisiert|ver[öo]ffentlicht|uppdaterad|publicerad|oppdatert|publisert)\s*:?\s*"
_TIME = r"\d{1,2}[:.]\d{2}(\s*uhr)?"
_CJK_DATE = r"\d{4}年\d{1,2}月\d{1,2}日(\s*\d{1,2}時\d{1,2}分)?(\s*[（(][^)）]{0,30}[)）])?"
_DATE = rf"(\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{2,4}},?(\s+(um\s+)?{_TIME})?|{_CJK_DATE})"
_CREDIT_LABEL = r"(with )?(additional )?(reporting|writing|research|editing)( and [a-z]+)? by"
_NAME = r"(?-i:[A-Z][\w'’.-]*)"  # a capitalized word, whatever the rule's case-folding
_NAMES = rf"{_NAME}([\s,;&]+({_NAME}|(?-i:and|in|from|at|with|the|of)|{_CREDIT_LABEL}))*"
_STAMP = rf"(({_STAMP_LABEL})?{_DATE}|{_STAMP_LABEL}{_TIME})"

LINE_RULES: tuple[StripRule, ...] = (
    StripRule("source-link", r"source link|source", role="trailing-block"),
    StripRule("back-to-top", r"(back|scroll|return) to top( button| of page)?"),
    StripRule("skip-link", r"skip to (main )?(content|navigation|search)"),
    StripRule(
        "advertisement",
        r"advertisements?|advert|ad|sponsored( content)?|paid content|"
        r"(story|article) continues (below|after)( this)?( advertisement| ad)?|"
        r"scroll (down )?to continue( reading| with content)?",
    ),
    StripRule(
        "related",
        r"(related|recommended|suggested|popular|latest|more|top) "
        r"(articles?|stories|posts|content|reading|news|coverage|videos?|links?)|"
        r"related|recommended( for you)?|more (from|in) [^.!?]{1,40}|you (may|might) also( like| be interested in)|"
        r"read (more|next|also)|also read|see also|most (read|viewed|popular|shared)|trending( now)?|"
        r"explore more on these topics|more on this story|topics|tags|explore further|in other news",
        role="related",
    ),
    StripRule(
        "related-intl",
        r"(voc[eê] (pode|tamb[eé]m pode) gostar|leia tamb[eé]m|veja tamb[eé]m|mat[eé]rias relacionadas|"
        r"lesen sie (auch|mehr)|mehr zum thema|das k[öo]nnte sie (auch )?interessieren|auch interessant|"
        r"(à )?lire aussi|sur le m[eê]me sujet|(à )?voir aussi|"
        r"te puede interesar|lee tambi[eé]n|noticias relacionadas|m[aá]s noticias|"
        r"articoli correlati|leggi anche|potrebbe interessarti|"
        r"関連記事|関連ニュース|相关(新闻|文章|阅读)|相關(新聞|文章|閱讀)|اقرأ أيضا|اقرأ أيضاً|مقالات ذات صلة)"
        r"[.:…]*",
        role="related",
    ),
    StripRule(
        "share",
        r"share( this)?( article| story| post| page)?( on| via)?"
        r"([ ,]*(facebook|twitter|x|whatsapp|e-?mail|linkedin|telegram|reddit|pinterest|messenger|copy link))*|"
        r"tweet|e-?mail|print|copy link|link copied|(follow|like) us( on [^.!?]{1,40})?|"
        r"follow [^.!?]{1,40} on (twitter|x|facebook|instagram|google news)( and [^.!?]{1,120})?",
    ),
    StripRule(
        "newsletter",
        r"(sign up|subscribe)( now| today)?( to| for)? (our |the |a )?[^.!?]{0,40}newsletters?"
        r"( here)?|newsletters?|(get|receive) [^.!?]{0,80}(to|in) your inbox[^.!?]{0,40}|"
        r"(sign up|subscribe)( now| today| here)?|(skip past|after) newsletter promotion|"
        r"privacy notice:.*|enter your e-?mail( address)?",
    ),
    StripRule(
        "subscription",
        r"subscribe to (continue|keep) reading[^.!?]*|already (a subscriber|have an account)\??[^.!?]*|"
        r"(log|sign) in to (continue|keep) reading[^.!?]*|"
        r"this (article|story|content) is (only )?(available )?(for|to) (subscribers|members)( only)?|"
        r"il vous reste \d+([.,]\d+)? ?% de cet article à lire[^\n]{0,120}|"
        r"la suite est réservée aux abonnés[^\n]{0,80}|(cet article|ce contenu) est réservé aux abonnés[^\n]{0,80}|"
        r"(dieser|der) (artikel|beitrag|inhalt) ist (nur |exklusiv )?für (abonnenten|abonnentinnen)[^\n]{0,80}|"
        r"(este|el) (contenido|artículo) es exclusivo para (suscriptores|abonados)[^\n]{0,80}|"
        r"(questo )?(contenuto|articolo) (è )?riservato agli abbonati[^\n]{0,80}",
        role="paywall",
    ),
    StripRule(
        "cookies",
        r"(we|this (web)?site) uses? cookies[^\n]{0,200}|(accept|reject)( all)? cookies|"
        r"cookie (settings|policy|preferences|consent)|manage (cookies|consent)",
    ),
    StripRule("click-here", r"[^\n]{0,100}\bclick(ing)? here\b[^\n]{0,100}"),
    StripRule("contact-line", r"[\w.+-]+@[\w-]+\.[\w.-]+|(twitter|x|instagram|facebook)\.com/\S+|@\w{2,30}"),
    StripRule("contact-author", r"(write|e-?mail|contact) (to )?[^.!?]{1,60} at \S+@\S+"),
    StripRule(
        "reprint-notice",
        r"this copy is for your personal,? non-?commercial use only[^\n]*|"
        r"(distribution|reproduction) and use of this material (are|is) governed by[^\n]*",
    ),
    StripRule(
        "page-ui",
        r"(thanks|thank you) for (signing up|subscribing|reading)!?|thank you!?|sorry!?|"
        r"keep an eye on your inbox[^\n]{0,80}|an error (has )?occurred[^\n]{0,60}|"
        r"this article has been sent to[^\n]{0,80}|loading( comments)?|please try again( later)?",
    ),
    StripRule(
        "timestamp-line",
        r"(updated|published|posted|last updated|stand|aktualisiert|ver[öo]ffentlicht|publi[ée]|mis [àa] jour|"
        r"actualizado|publicado|pubblicato|aggiornato|opdateret|publiceret|publicerad|uppdaterad|oppdatert|"
        r"publisert|bijgewerkt|gepubliceerd)( on| at| am| le| el| il)?:?\s[\w ,:.+/-]{3,40}",
    ),
    # A date and time alone on a line, or two of them ("Updated 15.59 | Published 14.14"): the
    # page's dateline, in numeric or CJK form; the article's date is stored apart.
    StripRule("timestamp-line", rf"{_STAMP}(\s*\|\s*{_STAMP})?"),
    # A credit on its own line: the photo's, the graphic's or the agency's ("Quelle: AFP").
    StripRule(
        "credit-line",
        rf"\(?({CREDIT_WORDS})\s*:\s*([^\s.!?]+(\s+[^\s.!?]+){{0,5}})?\)?",
    ),
    # "Read also: <headline>" in the languages the related rules know, and the Nordic/Dutch ones.
    StripRule(
        "read-also-link",
        r"(read (more|also)|also read|see also|les også|læs også|läs också|lees ook|lue myös|"
        r"lesen sie (auch|mehr)|mehr zum thema|lire aussi|à lire aussi|leia também|lee también|leggi anche|"
        r"czytaj (też|także)|přečtěte si (také|též)|читайте также)\s*:\s*[^\n]{3,200}",
    ),
    StripRule(
        "copyright",
        r"(©|\(c\)|copyright)\s*(©\s*)?(\d{4}[-–]?(\d{4})?)[^\n]{0,100}|"
        r"[^\n]{0,100}all rights reserved\.?",
    ),
    StripRule(
        "comment-count",
        r"\d+ comments?|(view|show|read|leave|post|add) (a |all )?comments?( \(\d+\))?|"
        r"comments?( \(\d+\))?|join the (conversation|discussion)",
    ),
    StripRule(
        "comment-login",
        r"(you must|please) (log ?in|sign ?in|register|confirm [^.!?]{0,40})[^.!?]{0,80}(comment|display name)[^.!?]*|"
        r"please log ?out and then log ?in again[^\n]{0,120}",
    ),
    # A news agency's credit closing the story: "mit dpa", "(AFP/Reuters)", "Quelle: sid/dpa".
    StripRule(
        "agency-credit",
        rf"\(?((mit|with|von|avec|con|med|z) )?(material )?(von )?({AGENCIES})([ /,&]+({AGENCIES}|[a-z]{{2,3}}))*\)?",
    ),
    # Where a blocked embed was: the consent placeholder, not the story.
    StripRule(
        "consent-placeholder",
        r"externer inhalt( nicht verfügbar)?|external content( not available)?|ein klick für den datenschutz|"
        r"[^\n]{0,120}(privacy|privatsphäre|datenschutz|cookie|consent)[- ]?(settings|einstellungen|preferences)"
        r"[^\n]{0,120}(load|laden|display|anzeigen|show|zeigen)[^\n]{0,200}",
    ),
    # A video's running time on its own or closing a teaser: "02:57 Min.", "… 18.04.2024 | 0:21 min".
    StripRule(
        "video-line", r"(\d{1,2}:)?\d{1,2}:\d{2} ?min\.?[^\n]{0,80}|[^\n]{0,200}\| ?(\d{1,2}:)?\d{1,2}:\d{2} ?min"
    ),
    # Who else worked on the story, closing it: "Additional reporting by …", "With files from …",
    # "AP writer … contributed to this report."; the authors are stored apart. Names only after
    # "by" ("Reporting by the Gazette prompted…" is a sentence).
    StripRule(
        "contributor-credit",
        rf"\(?({_CREDIT_LABEL}|with (files|reports|reporting) from|contributing:)\s*{_NAMES}\.?\)?|"
        r"[^.!?]{3,200} contributed (reporting|research|to (this|the) (report|story|article))( from [^.!?]{2,60})?",
    ),
    # The site's notice to an old or scriptless browser, printed at the top of every page.
    StripRule(
        "browser-notice",
        r"[^\n]{0,120}\byou('re| are) using (a|an) (browser version|(outdated|older|old|unsupported) browser)"
        r"[^\n]{0,400}|"
        r"[^\n]{0,120}\byour browser (is (out of date|outdated|not supported|no longer supported)|does not support)"
        r"[^\n]{0,300}",
    ),
    # A closing call for tips, whatever story it closes: "Got a story? Get in touch with our news team…"
    StripRule(
        "tip-line",
        r"(got a (story|tip)\??\s*)?get in touch with (our|the) [^.!?]{0,40}(team|desk|newsroom)\b[^\n]{0,200}",
    ),
    # A sentence that ends by asking the reader to sign up: "For the latest news…, sign up for our newsletters."
    StripRule(
        "newsletter-prompt",
        r"[^\n]{0,200}\b(sign(ing)? up|subscrib(e|ing)) (for|to) (our|the) [^.!?]{0,40}newsletters?\s*[.!]?",
    ),
    StripRule(
        "newsletter-prompt",
        r"(sign up|subscribe|register) (now |today )?(for|to get) [^.!?]{0,80}(and more|deals|updates|alerts|news)",
    ),
)
