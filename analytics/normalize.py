"""Normalisation of the values that must match across files: phone numbers, people's names, lead sources.

All of it is expressed as Polars expressions so that it runs vectorised over millions of calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

UNKNOWN_SOURCE = "unknown"

# SPEC §4: anything naming Google → Google, anything naming Yandex → Yandex (case-insensitive).
SOURCE_PATTERNS: dict[str, str] = {
    "Google": r"google|adwords|gclid|гугл",
    "Yandex": r"yandex|яндекс|директ|ya\.ru|^ya$|yclid",
}


def phone(expr: pl.Expr) -> pl.Expr:
    """The comparable form of a phone number: its digits, with the Russian trunk prefix unified.

    `+7 (900) 001-00-02`, `89000010002` and `9000010002` all become `79000010002`. Numbers of other
    lengths keep their digits as written, so foreign numbers still match themselves.
    """
    digits = expr.cast(pl.String).str.replace_all(r"\D", "")
    return (
        pl.when(digits.str.len_chars() == 11, digits.str.starts_with("8"))
        .then(pl.lit("7") + digits.str.slice(1))
        .when(digits.str.len_chars() == 10)
        .then(pl.lit("7") + digits)
        .when(digits.str.len_chars() >= 5)
        .then(digits)
        .otherwise(None)
    )


def text(expr: pl.Expr) -> pl.Expr:
    """Trimmed text with inner runs of white space collapsed; empty becomes null."""
    cleaned = expr.cast(pl.String).str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when(cleaned.str.len_chars() > 0).then(cleaned).otherwise(None)


def person(expr: pl.Expr, aliases: Mapping[str, str] | None = None) -> pl.Expr:
    """A person's name, normalised and then mapped through the user's merge table (spelling → person)."""
    name = text(expr)
    if aliases:
        name = name.replace(dict(aliases))
    return name


def source(expr: pl.Expr, aliases: Mapping[str, str] | None = None) -> pl.Expr:
    """The normalised lead source of SPEC §4; the user's alias table (raw, case-insensitive → source) wins."""
    raw = text(expr)
    lowered = raw.str.to_lowercase()
    chain: Then | ChainedThen = pl.when(raw.is_null()).then(pl.lit(UNKNOWN_SOURCE))
    if aliases:
        lowered_aliases = {k.strip().lower(): v for k, v in aliases.items()}
        chain = chain.when(lowered.is_in(list(lowered_aliases))).then(lowered.replace(lowered_aliases))
    for name, pattern in SOURCE_PATTERNS.items():
        chain = chain.when(lowered.str.contains(pattern)).then(pl.lit(name))
    return chain.otherwise(raw)
