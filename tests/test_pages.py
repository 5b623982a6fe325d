"""Every page under Streamlit's AppTest, checking the numbers it shows against the metrics engine."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import i18n
from analytics.importing.pipeline import Upload
from analytics.metrics import Filters, compute
from analytics.registry import metric
from pages import _widgets
from pages._pages import SCREENS
from pages._widgets import ColumnSpec, column_config, styled
from tests.conftest import open_screen as open_page

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = tuple(screen.name for screen in SCREENS)
OCTOBER = Filters(date(2026, 10, 1), date(2026, 10, 31))  # "last month" of the demo data


pytestmark = pytest.mark.usefixtures("own_settings")  # no saved settings from another test


def metric_value(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def as_number(text: str) -> float:
    return float(text.replace(",", "").replace(i18n.NBSP, "").replace(" ", "").replace("%", "").replace("−", "-"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_page_runs(page: str, lang: str) -> None:
    at = open_page(page, lang)
    assert at.title, page


def test_overview_shows_the_engine_numbers(demo_model) -> None:
    at = open_page("floor_overview")
    expected = compute(demo_model, filters=OCTOBER).row(0, named=True)
    assert as_number(metric_value(at, "Meetings held")) == expected["meetings_held"]
    assert as_number(metric_value(at, "Payments")) == expected["payments"]
    assert as_number(metric_value(at, "Revenue")) == expected["revenue"]
    # Pinned, so that a calculation error in the engine cannot hide behind the same engine: October's cohort is
    # 396 held, 117 paid, 12 314 000 — the three hunters' rows (133 + 134 + 129, 44 + 40 + 33,
    # 4 509 000 + 4 482 000 + 3 323 000) add up to the same, counted through another grouping.
    assert (expected["meetings_held"], expected["payments"], expected["revenue"]) == (396, 117, 12_314_000)
    assert metric_value(at, "Meetings held") == "396" and metric_value(at, "Revenue") == "12,314,000"


def test_language_switch(demo_model) -> None:
    at = open_page("floor_overview", "en")
    assert at.title[0].value == "Floor overview"
    at.sidebar.multiselect(key="f_people").set_value(["Петров Иван"]).run()
    at.button_group(key="lang_switch").set_value("ru").run()
    assert at.title[0].value == "Обзор отдела"
    assert at.sidebar.multiselect(key="f_people").value == ["Петров Иван"]  # the filter survives the switch
    at.sidebar.multiselect(key="f_people").set_value([]).run()
    held = compute(demo_model, filters=OCTOBER)["meetings_held"].item()
    assert metric_value(at, "Проведено встреч") == i18n.number(held, "ru")
    assert "Прошлый месяц" in at.sidebar.selectbox(key="f_period").options


def test_filters_change_the_numbers(demo_model) -> None:
    at = open_page("floor_overview")
    floor = as_number(metric_value(at, "Meetings held"))
    at.sidebar.multiselect(key="f_people").set_value(["Соколов Дмитрий"]).run()
    one = compute(demo_model, filters=Filters(date(2026, 10, 1), date(2026, 10, 31), ("Соколов Дмитрий",)))
    assert as_number(metric_value(at, "Meetings held")) == one["meetings_held"].item() < floor
    at.sidebar.radio(key="f_mode").set_value("event").run()
    event = compute(demo_model, filters=Filters(date(2026, 10, 1), date(2026, 10, 31), ("Соколов Дмитрий",)),
                    mode="event")
    assert as_number(metric_value(at, "Meetings held")) == event["meetings_held"].item()
    at.sidebar.selectbox(key="f_period").set_value("all").run()
    everything = compute(demo_model, filters=Filters(employees=("Соколов Дмитрий",)), mode="event")
    assert as_number(metric_value(at, "Meetings held")) == everything["meetings_held"].item()
    # Pinned: Соколов in October, 44 held by booking, 49 on the day held; 377 held over all time.
    assert (one["meetings_held"].item(), event["meetings_held"].item(), everything["meetings_held"].item()) == \
        (44, 49, 377)


def test_lead_generator_page_shows_the_person(demo_model) -> None:
    at = open_page("lead_generator", person="Соколов Дмитрий")
    assert at.title[0].value == "Lead generator: Соколов Дмитрий"
    expected = compute(demo_model, filters=Filters(date(2026, 10, 1), date(2026, 10, 31), ("Соколов Дмитрий",)))
    assert as_number(metric_value(at, "Meetings held")) == expected["meetings_held"].item()
    assert as_number(metric_value(at, "Calls ≥ 60 s")) == expected["calls_60s"].item()
    assert (metric_value(at, "Meetings held"), metric_value(at, "Calls ≥ 60 s")) == ("44", "2,318")  # pinned


def test_sources_page_compares_google_and_yandex(demo_model) -> None:
    at = open_page("source_comparison")
    by_source = compute(demo_model, ["source"], filters=OCTOBER)
    shares = {r["source"]: r["leads_target"] / (r["leads_target"] + r["leads_nontarget"])
              for r in by_source.iter_rows(named=True)}
    values = [m.value for m in at.metric if m.label == "Target share"]
    assert values == [i18n.percent(shares["Google"], "en"), i18n.percent(shares["Yandex"], "en")]
    assert shares["Yandex"] < shares["Google"]
    assert values == ["73.6%", "41.5%"]  # pinned: Google 368 / (368 + 132), Yandex 184 / (184 + 259)
    assert any("Google brings more target leads" in md.value for md in at.markdown)


def test_plan_page_counts_in_event_mode(demo_model) -> None:
    at = open_page("plan_attainment")
    held = compute(demo_model, filters=OCTOBER, mode="event")["meetings_held"].item()
    assert metric_value(at, "Meetings held: actual / plan").startswith(i18n.number(held, "en") + " / ")
    assert held == 404  # pinned: October's meetings held on the day they were held


def test_diagnostics_page_tells_the_stories() -> None:
    at = open_page("chain_diagnostics")
    text = " ".join(md.value.replace("\\", "") for md in at.markdown)
    assert "Соколов Дмитрий: meetings held" in text and "the chain breaks at booked → confirmed" in text
    assert "Волков Алексей" in text and "calls ≥ 60 s" in text
    assert "Source Yandex: target share" in text
    assert "New source vk_ads" in text


def test_diagnostics_draw_the_most_serious_findings_and_the_rest_on_request(monkeypatch) -> None:
    """Each finding carries the table of its records; a big floor has 150 findings: the most serious are drawn (here
    2, 20 in use), the rest when the person asks for them — in the same order."""
    monkeypatch.setattr(_widgets, "FINDINGS_AT_ONCE", 2)
    at = open_page("chain_diagnostics")
    heads = lambda: [md.value for md in at.markdown if " · " in md.value]  # noqa: E731  «who · situation»
    records = lambda: [e for e in at.expander if e.label == "The records behind it"]  # noqa: E731
    first = heads()
    assert len(first) == len(records()) == 2
    at.toggle(key="diag_show_all").set_value(True).run()
    every = heads()
    assert len(every) == len(records()) > 2 and every[:2] == first
    assert not [c for c in at.caption if "most serious of" in c.value]
    at.toggle(key="diag_show_all").set_value(False).run()
    assert f"The 2 most serious of {len(every)} are shown." in [c.value for c in at.caption]
    assert heads() == first


def test_data_page_accounts_for_every_row_of_an_upload() -> None:
    deals = (
        "Номер сделки;Дата создания;Менеджер;Источник;Статус\n"
        "1;01.10.2026 10:00;Иванов Иван;google;Встреча проведена\n"
        "2;02.10.2026 11:00;Иванов Иван;яндекс;Первичный контакт\n"
        "3;не дата;Иванов Иван;site;Встреча назначена\n"
    ).encode("cp1251")
    at = open_page("data_import", uploads=[Upload("deals.csv", deals)])
    assert metric_value(at, "Rows in file") == "3"
    assert metric_value(at, "Imported") == "2"
    assert metric_value(at, "Rejected") == "1"
    assert any("3 rows = 2 imported + 1 rejected" in c.value for c in at.caption)
    issues = at.dataframe[-1].value if at.dataframe else None
    assert issues is not None


def test_uploaded_data_replace_the_demo_on_the_overview() -> None:
    deals = (
        b"ID,Created,Responsible,Source,Meeting date,Meeting held\n"
        b"1,2026-10-01,Ann,google,2026-10-03,yes\n"
        b"2,2026-10-02,Ann,google,2026-10-04,no\n"
        b"3,2026-10-05,Bob,yandex,,\n"
    )
    at = open_page("floor_overview", uploads=[Upload("deals.csv", deals)])
    at.sidebar.selectbox(key="f_period").set_value("all").run()
    assert metric_value(at, "Meetings held") == "1"
    assert metric_value(at, "Meetings booked") == "2"


def test_a_link_reproduces_the_view(demo_model) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"lang": "ru", "period": "all", "mode": "event", "emp": "Соколов Дмитрий", "t": "90"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    expected = compute(demo_model, filters=Filters(employees=("Соколов Дмитрий",), min_call_seconds=90), mode="event")
    assert metric_value(at, "Проведено встреч") == i18n.number(expected["meetings_held"].item(), "ru")
    assert at.sidebar.multiselect(key="f_people").value == ["Соколов Дмитрий"]
    assert at.sidebar.number_input(key="f_min_call").value == 90


def test_a_column_explains_itself_not_a_borrowed_metric() -> None:
    """A table's own columns take their label, format and help from their ColumnSpec; a metric column from the
    registry. The funnel's count once carried the definition of calls ≥ 60 s as its tooltip."""
    frame = pl.DataFrame({"step": ["Booked"], "count": [1234], "of_previous": [0.256], "meetings_held": [3],
                          "amount": [None]}, schema_overrides={"amount": pl.Float64})
    columns = {"step": ColumnSpec("Step"), "count": ColumnSpec("Count", "count"),
               "of_previous": ColumnSpec("Of previous", "ratio"), "amount": ColumnSpec("Amount", "money")}
    config = column_config(frame, "en", columns)
    assert (config["count"]["label"], config["count"]["help"], config["count"]["alignment"]) == ("Count", None, "right")
    assert config["step"]["alignment"] is None
    assert config["meetings_held"]["help"] == metric("meetings_held").definition("en")
    shown = styled(frame, "ru", columns).data.to_dict("records")[0]
    assert shown == {"step": "Booked", "count": f"1{i18n.NBSP}234", "of_previous": f"25,6{i18n.NBSP}%",
                     "meetings_held": "3", "amount": "—"}


def test_records_show_a_dash_for_no_amount() -> None:
    at = open_page("lead_generator", person="Соколов Дмитрий")
    meetings = next(d.value for d in at.dataframe if "paid_amount" in d.value.columns)
    assert meetings["paid"].any() and not meetings["paid"].all()
    assert set(meetings.loc[~meetings["paid"], "paid_amount"]) == {"—"}  # never "None"
    assert "—" not in set(meetings.loc[meetings["paid"], "paid_amount"])
