"""Each metric against the previous comparable period, and whether a fall is real (SPEC §6).

A change counts as a drop only when it is both large (a relative fall of at least the threshold, default 15 %)
and significant at 95 %: counts by an exact conditional binomial test of two Poisson counts (pro rata to working
days when the current period is cut short by the end of the data), conversions by a two-proportion z-test.
Minutes and revenue are tested on the calls and payments behind them. Tiny numbers (2 → 1) never qualify.
"""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
from scipy import stats

from analytics.registry import BY_KEY, METRIC_KEYS, TARGET_SHARE

DEFAULT_THRESHOLD = 0.15
ALPHA = 0.05
# A continuous amount is tested on the count of events behind it.
BASIS = {"minutes_on_line": "calls_total", "revenue": "payments", "revenue_without_meeting": "paid_without_meeting"}
COMPARED = (*METRIC_KEYS, TARGET_SHARE.key)
# In cohort mode these still grow for weeks after the booking: a cohort in progress is not judged on them.
AFTER_BOOKING = frozenset({
    "meetings_confirmed", "meetings_held", "payments", "revenue", "conv_scheduled_to_confirmed",
    "conv_confirmed_to_held", "conv_scheduled_to_held", "conv_held_to_paid",
})


def with_target_share(table: pl.DataFrame) -> pl.DataFrame:
    """Add target_share = target / (target + non-target), null without qualified leads."""
    qualified = pl.col("leads_target") + pl.col("leads_nontarget")
    return table.with_columns(
        pl.when(qualified > 0).then(pl.col("leads_target") / qualified).alias(TARGET_SHARE.key),
        qualified.alias("leads_qualified"),
    )


def count_p_value(current: np.ndarray, previous: np.ndarray, weight: float | np.ndarray = 1.0) -> np.ndarray:
    """One-sided p-value that the current count is lower than the previous one by chance.

    Given both counts, the current one is Binomial(total, w / (w + 1)) under "no change", where `w` is the
    current period's exposure relative to the previous one (1 for equal periods).
    """
    current = np.round(current).astype(np.int64)
    total = current + np.round(previous).astype(np.int64)
    share = weight / (weight + 1.0)
    return np.where(total > 0, stats.binom.cdf(current, np.maximum(total, 1), share), 1.0)


def proportion_p_value(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """One-sided p-value of the two-proportion z-test that rate 1 (current) is lower than rate 2 (previous)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
    p = stats.norm.cdf(z)
    return np.where((n1 > 0) & (n2 > 0) & (se > 0), p, 1.0)


def wilson_interval(successes: np.ndarray, trials: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % Wilson score interval of a rate: honest for small samples, never outside [0, 1]."""
    successes, trials = np.asarray(successes, float), np.asarray(trials, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = successes / trials
        centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
        half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    ok = trials > 0
    return np.where(ok, np.clip(centre - half, 0, 1), np.nan), np.where(ok, np.clip(centre + half, 0, 1), np.nan)


def compare(
    current: pl.DataFrame,
    previous: pl.DataFrame,
    by: list[str] | tuple[str, ...] = (),
    threshold: float = DEFAULT_THRESHOLD,
    weight: float | pl.Expr = 1.0,
    immature: bool | pl.Expr = False,
) -> pl.DataFrame:
    """Long table: group keys, metric, current, previous, change, change_rel, p_value, worse.

    `weight` is the current period's exposure relative to the previous one (working days), used for counts when
    the current period is incomplete; change_rel of counts is then per working day. `immature` marks a cohort
    still in progress: the steps after booking are not flagged, as they have not had time to happen. Both may be
    expressions over the group keys (e.g. per month).
    """
    by = list(by)
    current, previous = with_target_share(current), with_target_share(previous)
    joined = current.join(previous, on=by, how="full", suffix="_prev", coalesce=True) if by else pl.concat(
        [current, previous.rename({c: f"{c}_prev" for c in previous.columns})], how="horizontal"
    )
    columns = [*COMPARED, "leads_qualified"]
    joined = joined.with_columns(
        pl.col(c).fill_null(0) for c in [*columns, *(f"{c}_prev" for c in columns)]
        if BY_KEY.get(c.removesuffix("_prev")) is None or BY_KEY[c.removesuffix("_prev")].kind != "ratio"
    )
    exposure = joined.select(pl.lit(weight, pl.Float64) if not isinstance(weight, pl.Expr) else weight)
    weights = np.broadcast_to(exposure.to_series().to_numpy().astype(float), (joined.height,))
    young = joined.select(pl.lit(immature) if not isinstance(immature, pl.Expr) else immature)
    young_rows = np.broadcast_to(young.to_series().to_numpy().astype(bool), (joined.height,))
    arrays = {c: joined[c].to_numpy().astype(float) for c in joined.columns if c not in by}
    parts: dict[str, list[np.ndarray]] = {"current": [], "previous": [], "change_rel": [], "p_value": [], "worse": []}
    for key in COMPARED:
        spec = BY_KEY[key]
        cur, prev = arrays[key], arrays[f"{key}_prev"]
        if spec.kind == "ratio":
            num, den = spec.numerator, spec.denominator
            assert num is not None and den is not None, key  # a ratio names both counts
            p = proportion_p_value(arrays[num], arrays[den], arrays[f"{num}_prev"], arrays[f"{den}_prev"])
            rate_cur, rate_prev = cur, prev
        else:
            basis = BASIS.get(key)
            if basis:
                n_cur, n_prev = arrays[basis], arrays[f"{basis}_prev"]
                with np.errstate(divide="ignore", invalid="ignore"):
                    unit = (cur + prev) / (n_cur + n_prev)
                    counts_cur, counts_prev = np.nan_to_num(cur / unit), np.nan_to_num(prev / unit)
            else:
                counts_cur, counts_prev = cur, prev
            rate_cur, rate_prev = cur / weights, prev
            if spec.higher_is_better:
                p = count_p_value(counts_cur, counts_prev, weights)
            else:
                p = count_p_value(counts_prev, counts_cur, 1 / weights)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(np.isfinite(rate_prev) & (rate_prev > 0), rate_cur / rate_prev - 1, np.nan)
        worse_rel = -rel if spec.higher_is_better else rel
        # A tolerance for binary fractions: 1150 / 1000 − 1 is 0.1499999…, and a rise of exactly 15 % is a drop too.
        worse = (np.nan_to_num(worse_rel) >= threshold - 1e-9) & (p < ALPHA)
        if key in AFTER_BOOKING:
            worse &= ~young_rows
        for name, column in (("current", cur), ("previous", prev), ("change_rel", rel), ("p_value", p),
                             ("worse", worse)):
            parts[name].append(np.broadcast_to(column, (joined.height,)))
    # One frame for all the metrics (each metric's rows in a block), not one per metric: a screen compares several
    # times a run, and building 19 small frames each time was most of the comparison's cost.
    now, before = np.concatenate(parts["current"]), np.concatenate(parts["previous"])
    values = pl.DataFrame({
        "metric": pl.Series(COMPARED, dtype=pl.String).gather(np.repeat(np.arange(len(COMPARED)), joined.height)),
        "current": now, "previous": before, "change": now - before,
        "change_rel": np.concatenate(parts["change_rel"]), "p_value": np.concatenate(parts["p_value"]).astype(float),
        "worse": np.concatenate(parts["worse"]).astype(bool),
    })
    keys = pl.concat([joined.select(by)] * len(COMPARED)) if by else None
    result = pl.concat([keys, values], how="horizontal") if keys is not None else values
    return result.with_columns(pl.col("current", "previous", "change", "change_rel").fill_nan(None))


def as_next_month(by_month: pl.DataFrame) -> pl.DataFrame:
    """The rows of every month but the last, each labelled with the month present after it: joined on `month`, a
    month meets the one before it (the previous one present, so a gap is skipped, not compared with nothing)."""
    months = sorted(by_month["month"].unique().to_list())
    following = dict(itertools.pairwise(months))
    return by_month.filter(pl.col("month").is_in(list(following))).with_columns(
        pl.col("month").replace_strict(following))


def month_over_month(by_month: pl.DataFrame, by: list[str] | tuple[str, ...] = (), threshold: float = DEFAULT_THRESHOLD,
                     weights: dict[str, float] | None = None, immature: frozenset[str] = frozenset()) -> pl.DataFrame:
    """Every month against the month before it (the previous one present), per group: `compare`'s long table.

    `weights` gives a month's exposure relative to its previous month (for a month in progress); months in
    `immature` are cohorts still in progress (see `compare`). One comparison covers all months at once.
    """
    months = sorted(by_month["month"].unique().to_list())
    if len(months) < 2:
        return pl.DataFrame()
    current = by_month.filter(pl.col("month") != months[0])
    return compare(
        current, as_next_month(by_month), [*by, "month"], threshold,
        weight=pl.col("month").replace_strict(weights or {}, default=1.0, return_dtype=pl.Float64),
        immature=pl.col("month").is_in(list(immature)),
    )
