"""Settings: packaged defaults, then the user's TOML file, then NEWSARCHIVE_* variables.

Later layers win. The result is one frozen Settings object handed to every stage, so no stage
reads the environment on its own.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from newsarchive import __version__
from newsarchive.errors import ConfigError
from newsarchive.model import RULE_ROLES, StripRule

ENV_PREFIX = "NEWSARCHIVE_"


@dataclass(frozen=True)
class Settings:
    archive: Path = Path("archive")
    index: str = ""  # "" (ARCHIVE/index.sqlite), sqlite:///PATH or postgresql://USER@HOST/DB
    user_agent: str = f"newsarchive/{__version__} (+https://pypi.org/project/newsarchive/)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 120.0  # total seconds one page may take, retries included
    retries: int = 3
    backoff: float = 0.5  # first retry waits this long, then doubles
    max_retry_after: float = 60.0  # cap on a server's Retry-After
    max_bytes: int = 10_000_000
    max_redirects: int = 10
    min_words: int = 20  # fewer words than this is "no article body found"
    keep_non_articles: bool = False  # archive pages judged a list of articles (section fronts) all the same
    follow_symlinks: bool = False  # import: follow links inside folders even where they lead out of them
    strip: tuple[str, ...] = ()  # extra whole-line regexes for the stripper
    rules_file: Path | None = None  # a TOML file of [[rule]] tables merged over the packaged stripper rules
    rules: tuple[StripRule, ...] = ()  # what rules_file holds, read by load_settings (not a setting of its own)
    rate: float = 1.0  # requests per second to any one host during `update` (0: no limit)
    jobs: int = 4  # pages fetched at once during `update` (threads)
    max_failures: int = 3  # runs that failed an article URL before it is given up (0: never)
    traceback: bool = False  # an unexpected error (a bug) stops the run with its traceback instead of failing one input
    # When `update` rechecks an article for edits, counted from when it was first archived ([] : never).
    revisit: tuple[str, ...] = ("1h", "6h", "1d", "3d", "7d")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def default_config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The XDG location of the user's config file."""
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "newsarchive" / "config.toml"


def _coerce(name: str, value: Any, origin: str) -> Any:
    """Turn a TOML or environment value into the type the Settings field has."""
    default = getattr(Settings(), name)
    if name == "revisit":
        return revisit_schedule(value, origin)
    try:
        if isinstance(default, Path) or name == "rules_file":
            return Path(os.path.expanduser(str(value))) if str(value) else None
        if isinstance(default, tuple):
            if isinstance(value, str):
                return _patterns(tuple(line for line in value.splitlines() if line.strip()), origin)
            if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
                return _patterns(tuple(value), origin)
            raise TypeError("expected a list of strings")
        if isinstance(default, bool):
            return _boolean(value)
        coerced: int | float | str
        if isinstance(default, int):
            coerced = int(value)
        elif isinstance(default, float):
            coerced = float(value)
        else:
            coerced = str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: invalid value for {name!r}: {value!r} ({exc})") from None
    if isinstance(coerced, (int, float)) and coerced < 0:
        raise ConfigError(f"{origin}: {name!r} must not be negative, got {value!r}")
    return coerced


def compile_strip_pattern(pattern: str) -> re.Pattern[str]:
    """A strip rule as the stripper uses it: a case-blind regular expression for a whole line."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"invalid strip pattern {pattern!r}: {exc}") from None


def _patterns(patterns: tuple[str, ...], origin: str) -> tuple[str, ...]:
    """Strip rules are compiled here, as the stripper will compile them, so a bad one is a
    config error before any import worker starts (in a worker it broke the whole pool)."""
    for pattern in patterns:
        try:
            compile_strip_pattern(pattern)
        except ConfigError as exc:
            raise ConfigError(f"{origin}: {exc}") from None
    return patterns


DURATION = re.compile(r"(\d+)([smhdw])")
DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
REVISIT_OFF = ("", "off", "none", "[]")


def revisit_schedule(value: Any, origin: str) -> tuple[str, ...]:
    """A revisit schedule: a TOML list of durations ("90m", "6h", "1d"), or in a variable or an
    option the same separated by commas or spaces ('off' or nothing: no revisits)."""
    if isinstance(value, str):
        value = [] if value.strip().lower() in REVISIT_OFF else re.split(r"[\s,]+", value.strip())
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{origin}: invalid value for 'revisit': {value!r} (expected a list of durations)")
    for item in value:
        if not DURATION.fullmatch(item.strip()):
            raise ConfigError(f"{origin}: invalid revisit step {item!r}: a number and s, m, h, d or w (as in 6h or 3d)")
    return tuple(item.strip() for item in value)


def duration_seconds(duration: str) -> int:
    """Seconds in a duration as revisit_schedule accepts it ("6h" is 21600)."""
    match = DURATION.fullmatch(duration)
    if match is None:
        raise ConfigError(f"invalid duration {duration!r}")
    return int(match[1]) * DURATION_SECONDS[match[2]]


RULE_KEYS = frozenset({"name", "pattern", "role"})


def read_rules_file(path: Path) -> tuple[StripRule, ...]:
    """The user's stripper rules: [[rule]] tables of name, pattern and role (default 'line'),
    each checked as the stripper will use it, so a bad one is one error naming the file and the
    rule before any page is read."""
    text = _read_text(path, "rules file", required=True)
    try:
        data = tomllib.loads(text or "")
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: cannot read rules file: {exc}") from None
    unknown = sorted(set(data) - {"rule"})
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (write each rule as a [[rule]] table)")
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise ConfigError(f"{path}: 'rule' must be [[rule]] tables")
    rules = tuple(_rule(table, f"{path}: rule {number}") for number, table in enumerate(tables, 1))
    names = [rule.name for rule in rules]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice:
        raise ConfigError(f"{path}: two rules are named {twice!r}")
    return rules


def _rule(table: dict[str, Any], origin: str) -> StripRule:
    unknown = sorted(set(table) - RULE_KEYS)
    if unknown:
        raise ConfigError(f"{origin}: unknown key {unknown[0]!r} (a rule has name, pattern and role)")
    for key in ("name", "pattern"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise ConfigError(f"{origin}: {key!r} must be a non-empty string")
    origin = f"{origin} ({table['name']})"
    role = table.get("role", "line")
    if role not in RULE_ROLES:
        raise ConfigError(f"{origin}: unknown role {role!r} (one of {', '.join(RULE_ROLES)})")
    try:
        compile_strip_pattern(table["pattern"])
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from None
    return StripRule(table["name"], table["pattern"], role)


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def _boolean(value: Any) -> bool:
    """A TOML boolean, or an environment variable's 1/0, true/false, yes/no, on/off."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise TypeError("expected true or false")


def _read_text(path: Path, what: str, required: bool) -> str | None:
    """A config or rules file's text, or None when the optional default file is absent. A file
    that is there but cannot be read (another user's $HOME, as with `sudo -u` without -H) is an
    error: running on without the settings it holds would be worse."""
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        if required:
            raise ConfigError(f"{path}: {what} not found") from None
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read {what}: not UTF-8 ({exc.reason} at byte {exc.start})") from None


def load_settings(
    config_path: Path | None = None,
    environ: Mapping[str, str] = os.environ,
    **overrides: Any,
) -> Settings:
    """Build Settings from defaults, the config file, the environment and explicit overrides.

    A config file named explicitly (argument or NEWSARCHIVE_CONFIG) must exist; the default XDG
    file is optional.
    """
    names = {f.name for f in fields(Settings)} - {"rules"}
    values: dict[str, Any] = {}

    explicit = config_path or environ.get(ENV_PREFIX + "CONFIG")
    path = Path(explicit) if explicit else default_config_path(environ)
    text = _read_text(path, "config file", required=bool(explicit))
    if text is not None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: cannot read config file: {exc}") from None
        for key, value in data.items():
            if key not in names:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(key, value, str(path))

    for name in names:
        env_name = ENV_PREFIX + name.upper()
        if env_name in environ:
            values[name] = _coerce(name, environ[env_name], env_name)

    for name, value in overrides.items():
        if value is None:
            continue
        if name not in names:
            raise ConfigError(f"unknown setting {name!r}")
        if name == "strip":  # options add to the file's rules rather than replace them
            value = tuple(values.get("strip", ())) + tuple(value)
        values[name] = _coerce(name, value, "option")
    if values.get("rules_file"):
        values["rules"] = read_rules_file(values["rules_file"])
    return Settings(**values)
