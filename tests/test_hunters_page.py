"""The Hunters screen (SPEC §3a) under AppTest on the demo, in both languages, with its numbers pinned to the engine
and to counts made by hand from the meetings table."""

from __future__ import annotations

import re
from datetime import date, timedelta

import polars as pl
import pytest

from analytics import i18n
from analytics.comparison import wilson_interval
from analytics.importing.pipeline import Upload
from analytics.metrics import compute
from pages._pages import BY_NAME, ROOT
from tests.test_pages import OCTOBER, as_number, open_page

pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test

# The demo's October cohort per hunter (engine values, `python -m analytics metrics --by hunter --from 2026-10-01
# --to 2026-10-31`): meetings held, payments, revenue.
OCTOBER_BY_HUNTER = {
    "Козлов Андрей": (129, 33, 3_323_000),
    "Лебедев Сергей": (133, 44, 4_509_000),
    "Новикова Татьяна": (134, 40, 4_482_000),
}
LABELS = {"en": ("Meetings held", "Payments", "Revenue", "Held → paid"),
          "ru": ("Проведено встреч", "Оплаты", "Выручка", "Проведение → оплата")}


def cards(at) -> list[tuple[str, str, str, str]]:
    """The headline cards' values, four per hunter in the order shown."""
    values = [m.value for m in at.metric]
    return [tuple(values[i:i + 4]) for i in range(0, len(values), 4)]  # type: ignore[misc]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_hunters_headline_matches_the_engine_and_the_hand_counts(lang: str, demo_model) -> None:
    at = open_page("hunter_results", lang)
    assert at.title[0].value == i18n.t("hunters_title", lang)
    assert [m.label for m in at.metric][:4] == list(LABELS[lang])
    engine = {r["hunter"]: r for r in compute(demo_model, ["hunter"], filters=OCTOBER).iter_rows(named=True)}
    names = [md.value.strip("*") for md in at.markdown if md.value.startswith("**") and md.value.endswith("**")]
    # The cards come most meetings held first: Новикова 134, Лебедев 133, Козлов 129.
    assert names[:3] == ["Новикова Татьяна", "Лебедев Сергей", "Козлов Андрей"]
    for name, shown in zip(names, cards(at), strict=True):
        held, paid, revenue = OCTOBER_BY_HUNTER[name]
        assert (engine[name]["meetings_held"], engine[name]["payments"], engine[name]["revenue"]) == (
            held, paid, revenue)
        assert shown == (i18n.number(held, lang), i18n.number(paid, lang), i18n.number(revenue, lang),
                         i18n.percent(paid / held, lang))
    # Лебедев 44 / 133 = 33.1 % is the best, Козлов 33 / 129 = 25.6 % the worst; their intervals overlap.
    sentence = next(md.value for md in at.markdown if "33" in md.value and "25" in md.value and "Козлов" in md.value)
    if lang == "en":
        assert "with Лебедев Сергей (33\\.1%, 44 of 133)" in sentence
        assert "with Козлов Андрей (25\\.6%, 33 of 129)" in sentence
    else:
        assert "хантер Лебедев Сергей: 33,1 % (44 из 133)" in sentence.replace(i18n.NBSP, " ")
        assert "Козлов Андрей: 25,6 % (33 из 129)" in sentence.replace(i18n.NBSP, " ")
    low_best, _ = wilson_interval([44], [133])
    _, high_worst = wilson_interval([33], [129])
    assert low_best[0] < high_worst[0]
    assert any(c.value == i18n.t("hunters_unsure", lang) for c in at.caption)
    # The demo's hunters are drawn at random: no lead generator × hunter cell stands out.
    assert any(md.value == i18n.t("hunters_matrix_none", lang) for md in at.markdown)


def test_the_matrix_cell_is_counted_by_hand_from_the_meetings(demo_model) -> None:
    """Смирнова Анна × Лебедев Сергей in October (cohort): her meetings booked in October that he held, and of them
    the ones whose lead's payment is credited to that meeting (the lead's first held meeting)."""
    setter, hunter = "Смирнова Анна", "Лебедев Сергей"
    held = demo_model.meetings.filter(
        (pl.col("setter") == setter) & (pl.col("hunter") == hunter) & pl.col("held")
        & pl.col("booked_at").dt.date().is_between(date(2026, 10, 1), date(2026, 10, 31)))
    credited = set(demo_model.paid_leads["credited_meeting_row"].drop_nulls().to_list())
    n_held = held.height
    n_paid = sum(row in credited for row in held["meeting_row"].to_list())
    assert n_held > 10 and 0 < n_paid < n_held  # a real cell, neither empty nor full
    at = open_page("hunter_results")
    matrix = next(d.value for d in at.dataframe if "employee" in d.value.columns and "low" in d.value.columns)
    row = matrix[(matrix["employee"] == setter) & (matrix["hunter"] == hunter)].iloc[0]
    low, high = wilson_interval([n_paid], [n_held])
    assert (row["meetings_held"], row["payments"]) == (str(n_held), str(n_paid))
    assert row["conv_held_to_paid"] == i18n.percent(n_paid / n_held, "en")
    assert (row["low"], row["high"]) == (i18n.percent(low[0], "en"), i18n.percent(high[0], "en"))
    # Every lead generator meets every hunter on the demo: 7 × 3 cells.
    assert len(matrix) == 21


def test_records_are_the_chosen_hunters_held_meetings(demo_model) -> None:
    at = open_page("hunter_results")
    assert at.selectbox(key="hunters_records_hunter").value == "Новикова Татьяна"
    meetings = next(d.value for d in at.dataframe if "credited" in d.value.columns)
    assert len(meetings) == 134 and set(meetings["hunter"]) == {"Новикова Татьяна"}
    assert meetings["credited"].sum() == 40  # her 40 payments of October, one credited meeting each
    at.selectbox(key="hunters_records_hunter").set_value("Козлов Андрей").run()
    meetings = next(d.value for d in at.dataframe if "credited" in d.value.columns)
    assert len(meetings) == 129 and meetings["credited"].sum() == 33


def test_month_over_month_per_hunter(demo_model) -> None:
    at = open_page("hunter_results")
    by_month = compute(demo_model, ["hunter", "month"])
    table = next(d.value for d in at.dataframe if "2026-10" in d.value.columns)
    row = table[table["hunter"] == "Козлов Андрей"].iloc[0]
    october = by_month.filter((pl.col("hunter") == "Козлов Андрей") & (pl.col("month") == "2026-10")).row(
        0, named=True)
    assert row["2026-10"] == i18n.percent(october["conv_held_to_paid"], "en") == "25.6%"
    at.selectbox(key="hunters_mom_metric").set_value("meetings_held").run()
    table = next(d.value for d in at.dataframe if "2026-10" in d.value.columns)
    assert table[table["hunter"] == "Козлов Андрей"].iloc[0]["2026-10"] == "129"
    # November (the data end on 20.11) is in the table but not in the chart: its line would fall like a collapse.
    assert "2026-11" in table.columns
    assert any(c.value == i18n.t("hunters_chart_without", "en", month="November 2026") for c in at.caption)


def test_a_source_filter_says_what_it_means(demo_model) -> None:
    at = open_page("hunter_results", "ru")
    at.sidebar.multiselect(key="f_sources").set_value(["Google"]).run()
    assert not at.exception
    assert any("Фильтр источников (Google)" in i.value for i in at.info)
    google = compute(demo_model, ["hunter"], filters=OCTOBER.__class__(
        OCTOBER.date_from, OCTOBER.date_to, sources=("Google",)))
    held = dict(zip(google["hunter"], google["meetings_held"], strict=True))
    assert as_number(cards(at)[0][0]) == max(held.values())


def test_a_meeting_with_no_hunter_is_not_set() -> None:
    deals = (
        "ID;Ответственный;Дата создания сделки;utm_source;Дата назначения встречи;Дата встречи;Встреча проведена;"
        "Хантер;Дата оплаты;Сумма оплаты\n"
        "1;Иванов Иван;01.10.2026 10:00;google;01.10.2026 11:00;05.10.2026;да;Петров Пётр;07.10.2026;1000\n"
        "2;Иванов Иван;02.10.2026 10:00;google;02.10.2026 11:00;06.10.2026;да;;;\n"
    ).encode("cp1251")
    for lang, word in (("ru", "не указан"), ("en", "not set")):
        at = open_page("hunter_results", lang, uploads=[Upload("deals.csv", deals)])
        at.sidebar.selectbox(key="f_period").set_value("all").run()
        assert not at.exception
        names = [md.value.strip("*") for md in at.markdown if md.value.startswith("**") and md.value.endswith("**")]
        assert names[:2] == ["Петров Пётр", word]
        assert cards(at)[:2] == [("1", "1", i18n.number(1000, lang), i18n.percent(1.0, lang)),
                                 ("1", "0", "0", i18n.percent(0.0, lang))]
        assert "unknown" not in str(next(d.value for d in at.dataframe).to_dict())


def hand_floor_deals(last_day: str) -> bytes:
    """tests/test_diagnostics_hunters.py's floor as an amoCRM-style deals file: in October H1's held → paid falls to
    17 / 80 = 21.3 % from 40 / 80 = 50 % in September, H2 and H3 to 33 / 80 = 41.3 % each. Every meeting is held the
    day after booking (at the latest on 26.10) and pays 5 days later; a last deal on `last_day` ends the data."""
    from tests.test_diagnostics_hunters import PAID

    lines = ["ID;Ответственный;Дата создания сделки;utm_source;Дата назначения встречи;Дата встречи;"
             "Встреча проведена;Хантер;Дата оплаты;Сумма оплаты"]
    for (setter, hunter, month), paid in PAID.items():
        for i in range(40):
            booked = date(2026, month, 1 + i % 25)
            held = booked + timedelta(days=1)
            payment = f"{held + timedelta(days=5):%d.%m.%Y};1000" if i < paid else ";"
            lines.append(f"{setter}-{hunter}-{month}-{i};{setter};{booked:%d.%m.%Y} 08:00;google;"
                         f"{booked:%d.%m.%Y} 10:00;{held:%d.%m.%Y};да;{hunter};{payment}")
    lines.append(f"last;One;{last_day} 09:00;google;;;;;;")
    return ("\n".join(lines) + "\n").encode("cp1251")


def red_cells_by_month(at) -> str:
    """The CSS of the month-over-month table (held → paid per hunter): the cells painted as drops."""
    table = next(d for d in at.dataframe if "2026-10" in d.value.columns)
    assert list(table.value["hunter"]) == ["H1", "H2", "H3"] and list(table.value.columns)[1] == "2026-10"
    return table.proto.arrow_data.styler.styles


def held_to_paid_cards(at) -> dict[str, object]:
    """{hunter: the held → paid card} of the headline (four cards per hunter, held → paid the fourth)."""
    names = [md.value.strip("*") for md in at.markdown if md.value.startswith("**") and md.value.endswith("**")]
    return {name: at.metric[4 * i + 3] for i, name in enumerate(names[:3])}


def test_a_hunters_fall_is_red_when_the_payment_window_has_passed() -> None:
    """Data to 25.11 (October is the last complete month; 26.10 + 30 days = 25.11, so every October meeting has had
    its payment window): H1's 50 % → 21.3 % is a real drop (red), H2's 50 % → 41.3 % is not (p ≈ 0.13, grey)."""
    at = open_page("hunter_results", uploads=[Upload("deals.csv", hand_floor_deals("25.11.2026"))])
    cards_now = held_to_paid_cards(at)
    # 21.25 % − 50 % is −28.749999… in floating point: the card writes −28.7 (pages/_widgets.delta_text).
    assert (cards_now["H1"].value, cards_now["H1"].proto.delta) == ("21.3%", "−28.7 pp")
    assert (cards_now["H2"].value, cards_now["H2"].proto.delta) == ("41.3%", "−8.8 pp")
    assert cards_now["H1"].proto.color == cards_now["H1"].proto.RED
    assert cards_now["H2"].proto.color == cards_now["H3"].proto.color == cards_now["H2"].proto.GRAY
    # The matrix read for the head of sales: One's meetings fail with H1 only (4 / 40 against H2 and H3's 40 / 80);
    # All's fail with every hunter alike (13 / 40 each), but 39 / 120 against One's 44 / 120 is no marked difference.
    bullets = [md.value for md in at.markdown if md.value.startswith("- ")]
    assert bullets == ["- One: meetings pay less with one hunter only — H1: 10\\.0% (4 of 40) against 50\\.0% with the "
                       "other hunters. A question for the hunter."]
    # Month over month the same: H1's October (row 0, column 1: hunter, 2026-10, 2026-09 — newest first) alone is red.
    assert re.findall(r"row(\d+)_col(\d+)", red_cells_by_month(at)) == [("0", "1")]


def test_too_early_to_judge_payments_is_not_red() -> None:
    """The same October with the data ending 05.11: only meetings held by 06.10 have had their 30 days (20 of H1's
    80, fewer than the 40 needed), so the same fall is "too early to judge" — grey, not red."""
    at = open_page("hunter_results", uploads=[Upload("deals.csv", hand_floor_deals("05.11.2026"))])
    cards_now = held_to_paid_cards(at)
    assert cards_now["H1"].value == "21.3%"
    assert cards_now["H1"].proto.color == cards_now["H2"].proto.color == cards_now["H1"].proto.GRAY
    assert "background-color" not in red_cells_by_month(at)


def test_the_screen_is_in_the_page_table() -> None:
    screen = BY_NAME["hunter_results"]
    assert (screen.url_path, screen.section, screen.title, screen.icon) == (
        "hunters", "analysis", "page_hunters", ":material/handshake:")
    assert (ROOT / "pages" / "hunters.py").read_text(encoding="utf-8").strip().endswith("_pages.deep_link()")
    assert (i18n.t("page_hunters", "ru"), i18n.t("page_hunters", "en")) == ("Хантеры", "Hunters")


def test_a_chosen_hunter_left_out_by_a_filter_falls_back_to_the_first() -> None:
    deals = (
        "ID;Ответственный;Дата создания сделки;utm_source;Дата назначения встречи;Дата встречи;Встреча проведена;"
        "Хантер\n"
        "1;Иванов Иван;01.10.2026 10:00;google;01.10.2026 11:00;05.10.2026;да;Петров Пётр\n"
        "2;Иванов Иван;02.10.2026 10:00;yandex;02.10.2026 11:00;06.10.2026;да;Сидоров Олег\n"
    ).encode("cp1251")
    at = open_page("hunter_results", uploads=[Upload("deals.csv", deals)])
    at.sidebar.selectbox(key="f_period").set_value("all").run()
    # Both hunters' held → paid is 0 / 1: equal rates have no best and no worst, so no sentence names one.
    assert not any("pay most often" in md.value for md in at.markdown)
    at.selectbox(key="hunters_records_hunter").set_value("Сидоров Олег").run()
    assert next(d.value for d in at.dataframe if "credited" in d.value.columns)["lead_id"].tolist() == ["2"]
    at.sidebar.multiselect(key="f_sources").set_value(["Google"]).run()
    assert not at.exception
    assert at.selectbox(key="hunters_records_hunter").value == "Петров Пётр"
    assert next(d.value for d in at.dataframe if "credited" in d.value.columns)["lead_id"].tolist() == ["1"]
