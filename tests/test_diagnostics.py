"""Diagnostics: a hand-built break is found at the right link; noise is not an alarm; the demo's stories show;
plans read as plan against actual; only meetings that have had their chance are compared."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import i18n
from analytics.diagnostics import Finding, Report, diagnose, findings_text
from analytics.model import prepare
from analytics.plans import DailyPlan
from analytics.schema import Dataset
from data.generate_demo import FloorConfig, generate_floor, steady_floor

S = i18n.NBSP  # between a number and its unit or noun, and inside a Russian percent
NO_PLAN = DailyPlan(calls_60s=(0, 0), meetings_scheduled=(0, 0), meetings_held=(0, 0))


def month_of_meetings(month: int, person: str, booked: int, confirmed: int, held: int, start: int) -> tuple:
    """`booked` leads and meetings in 2026-`month`: the first `confirmed` confirmed, the first `held` held."""
    ids = [f"{person}-{month}-{i}" for i in range(booked)]
    when = [datetime(2026, month, 1 + i % 20, 10) for i in range(booked)]
    leads = pl.DataFrame({"lead_id": ids, "created_at": when, "employee": [person] * booked,
                          "source": ["google"] * booked, "is_target": [True] * booked})
    meetings = pl.DataFrame({
        "lead_id": ids, "booked_at": [w + timedelta(hours=1) for w in when], "setter": [person] * booked,
        "confirmed": [i < confirmed for i in range(booked)], "held": [i < held for i in range(booked)],
    })
    return leads, meetings


def floor_with_confirmation_break() -> Dataset:
    parts = [
        month_of_meetings(9, "Steady", 60, 48, 40, 0), month_of_meetings(10, "Steady", 60, 47, 40, 0),
        month_of_meetings(9, "Breaking", 60, 50, 42, 0), month_of_meetings(10, "Breaking", 62, 18, 15, 0),
    ]
    calls = pl.DataFrame({"started_at": [datetime(2026, 11, 2, 9)], "employee": ["Steady"], "duration_s": [30]})
    return Dataset.from_frames(
        leads=pl.concat([p[0] for p in parts]), meetings=pl.concat([p[1] for p in parts]), calls=calls
    )


def test_a_confirmation_break_is_localised_to_booked_to_confirmed() -> None:
    report = diagnose(prepare(floor_with_confirmation_break()), month="2026-10")
    held = [f for f in report.findings if f.situation == "few_held" and f.scope == "employee"]
    assert [(f.who, f.metric, f.severity) for f in held] == [("Breaking", "conv_scheduled_to_confirmed", "high")]
    finding = held[0]
    assert finding.current == pytest.approx(18 / 62) and finding.previous == pytest.approx(50 / 60)
    assert finding.message("en") == (
        "Breaking: of the meetings booked in the month, held 42 → 15; the chain breaks at booked → confirmed "
        "(83.3% → 29.0%) while booking is normal (60 → 62) — clients do not confirm: find out why (reminders, "
        "expectations, meeting times).")
    assert f"цепочка рвётся на шаге «назначение → подтверждение» (83,3{S}% → 29,0{S}%)" in finding.message("ru")
    assert finding.records.to_json() == {"kind": "meetings", "month": "2026-10", "employee": "Breaking",
                                         "source": None, "only": "unconfirmed"}
    assert not any(f.who == "Steady" and f.situation == "few_held" for f in report.findings)


def test_every_finding_has_the_documented_fields() -> None:
    report = diagnose(prepare(floor_with_confirmation_break()), month="2026-10")
    assert report.month == "2026-10" and report.previous_month == "2026-09"
    assert all(isinstance(f, Finding) for f in report.findings) and report.findings
    for f in report.findings:
        data = f.to_json()
        assert {"scope", "who", "situation", "metric", "current", "previous", "severity", "message_ru",
                "message_en", "p_value", "evidence", "records", "plan"} <= set(data)
        assert data["scope"] in ("floor", "employee", "source")
        assert data["severity"] in ("high", "medium", "low")
        assert data["message_ru"].endswith(".") and data["message_en"].endswith(".")
        json.dumps(data, allow_nan=False)  # plain JSON: no NaN, no dates as objects
    ranks = [("high", "medium", "low").index(f.severity) for f in report.findings]
    assert ranks == sorted(ranks)
    whole = report.to_json()
    assert (whole["month"], whole["mode"], whole["data_end"]) == ("2026-10", "cohort", "2026-11-02")
    assert [f["message_en"] for f in whole["findings"]] == [f.message("en") for f in report.findings]


def test_no_sentence_is_written_outside_the_templates() -> None:
    """Every finding's sentence comes from i18n.FINDINGS: the template key is data, the text is made on reading."""
    report = diagnose(prepare(floor_with_confirmation_break()), month="2026-10")
    for f in report.findings:
        assert f.template in i18n.FINDINGS
        assert f.message("ru") != f.message("en")


def test_a_bad_month_is_a_clear_error() -> None:
    model = prepare(floor_with_confirmation_break())
    with pytest.raises(ValueError, match="YYYY-MM"):
        diagnose(model, month="October")
    with pytest.raises(ValueError, match="no data in 2025-01"):
        diagnose(model, month="2025-01")


@pytest.mark.parametrize("seed", range(20))
def test_a_steady_floor_raises_no_high_alarm(seed: int) -> None:
    """Noise control: same rates every month for every person and source → nothing `high`."""
    report = diagnose(prepare(generate_floor(steady_floor(seed))))
    assert [f.message("en") for f in report.findings if f.severity == "high"] == []


# ---- plans read as plan against actual; titles agree with their numbers (issue 13, item 3) ----------------------

def working_dates(year: int, month: int) -> list[date]:
    day, found = date(year, month, 1), []
    while day.month == month:
        if day.weekday() < 5:
            found.append(day)
        day += timedelta(days=1)
    return found


def person_months(person: str, calls_per_day: dict[int, int], booked_per_day: dict[int, int]) -> tuple:
    """September and October 2026 (22 working days each) of one person: calls of 90 s and bookings on every working
    day, 50 target leads a month (the same number both months, so leads never explain anything)."""
    calls, leads, meetings = [], [], []
    for month in (9, 10):
        days = working_dates(2026, month)
        assert len(days) == 22
        ids = [f"{person}-{month}-{i}" for i in range(50)]
        leads += [(lead, datetime(2026, month, 1, 9), person) for lead in ids]
        for n, day in enumerate(days):
            calls += [(datetime(day.year, day.month, day.day, 9) + timedelta(minutes=k), person)
                      for k in range(calls_per_day[month])]
            meetings += [(ids[(n + k) % 50], datetime(day.year, day.month, day.day, 12, k), person)
                         for k in range(booked_per_day[month])]
    return calls, leads, meetings


def floor_with_plans() -> Dataset:
    """Quiet calls 30 a day (plan 80); Drop books 4 → 2 a day (plan 1) while calling more (40 → 45 a day); Fine
    books 4 a day both months (plan 1); Slack books 1 a day (plan 3) and calls 30 → 34 a day (plan 80)."""
    parts = [
        person_months("Quiet", {9: 30, 10: 30}, {9: 0, 10: 0}),
        person_months("Drop", {9: 40, 10: 45}, {9: 4, 10: 2}),
        person_months("Fine", {9: 40, 10: 40}, {9: 4, 10: 4}),
        person_months("Slack", {9: 30, 10: 34}, {9: 1, 10: 1}),
    ]
    calls = pl.DataFrame([c for p in parts for c in p[0]], schema=["started_at", "employee"], orient="row")
    leads = pl.DataFrame([r for p in parts for r in p[1]], schema=["lead_id", "created_at", "employee"], orient="row")
    meetings = pl.DataFrame([m for p in parts for m in p[2]], schema=["lead_id", "booked_at", "setter"], orient="row")
    return Dataset.from_frames(
        calls=calls.with_columns(pl.lit(90).alias("duration_s")),
        leads=leads.with_columns(pl.lit("google").alias("source"), pl.lit(True).alias("is_target")),
        meetings=meetings.with_columns(pl.lit(True).alias("confirmed"), pl.lit(True).alias("held")),
    )


@pytest.fixture(scope="module")
def plans_report() -> Report:
    plans = {
        "Quiet": DailyPlan(calls_60s=(80, 100), meetings_scheduled=(0, 0), meetings_held=(0, 0)),
        "Drop": DailyPlan(calls_60s=(0, 0), meetings_scheduled=(1, 1), meetings_held=(0, 0)),
        "Fine": DailyPlan(calls_60s=(0, 0), meetings_scheduled=(1, 1), meetings_held=(0, 0)),
        "Slack": DailyPlan(calls_60s=(80, 100), meetings_scheduled=(3, 5), meetings_held=(0, 0)),
    }
    return diagnose(prepare(floor_with_plans()), plans=plans)


def of(report: Report, who: str) -> list[Finding]:
    return [f for f in report.findings if f.who == who]


def test_a_plan_shortfall_reads_as_plan_against_actual(plans_report: Report) -> None:
    assert plans_report.month == "2026-10"  # the calls reach Friday 30.10, October's last working day
    [quiet] = of(plans_report, "Quiet")
    # 30 calls × 22 working days = 660 against a plan of 80 × 22 = 1 760: 37.5 % → high
    assert (quiet.situation, quiet.metric, quiet.current, quiet.previous, quiet.plan, quiet.severity) == (
        "below_plan", "calls_60s", 660, None, 1760, "high")
    assert quiet.message("en") == ("Quiet: calls ≥ 60 s — 30.0 per working day against a plan of 80.0 (37.5% of "
                                   f"plan), below plan on 22 of 22{S}working days.")
    assert quiet.message("ru") == (f"Quiet: звонки от 60 с — 30,0 в рабочий день при плане 80,0 (37,5{S}% плана), "
                                   f"ниже плана в 22 из 22{S}рабочих дней.")
    assert quiet.to_json()["previous"] is None and quiet.to_json()["plan"] == 1760


def test_a_real_drop_above_plan_says_it_is_a_drop_and_rising_calls_are_no_cause(plans_report: Report) -> None:
    [drop] = of(plans_report, "Drop")
    # 88 → 44 booked (4 → 2 a day): p ≈ 1e-4 and −50 % → high as a drop, but 44 is 200 % of a plan of 22 → low
    assert (drop.situation, drop.metric, drop.current, drop.previous, drop.plan, drop.severity) == (
        "few_booked", "meetings_scheduled", 44, 88, 22, "low")
    assert drop.message("en") == (
        "Drop: fewer meetings booked than the month before: 88 → 44, though still 200.0% of plan; calls, leads and "
        "their quality are normal — look at how calls turn into meetings.")
    assert drop.message("ru").startswith("Drop: назначенных встреч меньше, чем месяцем раньше: 88 → 44, хотя это "
                                         f"всё ещё 200,0{S}% плана;")
    assert "880" not in drop.message("en") and "990" not in drop.message("en")  # calls rose 880 → 990
    assert of(plans_report, "Fine") == []  # 88 → 88 booked, 400 % of plan: nothing to say


def test_calls_below_plan_are_a_cause_without_a_month_over_month_they_do_not_show(plans_report: Report) -> None:
    [slack] = of(plans_report, "Slack")
    # booked 22 of a plan of 66 (33.3 %) → high; calls 748 (34 × 22) rose from 660 but are 42.5 % of 1 760
    assert (slack.situation, slack.metric, slack.current, slack.previous, slack.plan, slack.severity) == (
        "few_booked", "calls_60s", 748, None, 1760, "high")
    assert slack.message("en") == (f"Slack: 22{S}meetings booked, 33.3% of plan; why — few calls ≥ 60 s: 748, 42.5% "
                                   "of plan.")
    assert slack.message("ru") == (f"Slack: назначено встреч — 22, это 33,3{S}% плана; причина — мало звонков от 60 с: "
                                   f"748, это 42,5{S}% плана.")
    assert "660" not in slack.message("en")


# ---- only what has had its chance is compared (issue 13, item 6) ------------------------------------------------

def floor_with_meetings_ahead(due_in_october: int) -> Dataset:
    """Ann: September 60 meetings (50 confirmed, 40 held), all met by 30.9. October 60 booked: `due_in_october`
    booked 1–20.10 and met the next day at September's rates, the rest booked 26–30.10 for 3.11 (not yet met).
    The calls reach Friday 30.10."""
    rows = []
    for i in range(60):
        booked = datetime(2026, 9, 1 + i % 28, 10)
        rows.append((f"S{i}", booked, booked + timedelta(days=1), i < 50, i < 40))
    confirmed, held = round(due_in_october * 50 / 60), round(due_in_october * 40 / 60)
    for i in range(60):
        if i < due_in_october:
            booked = datetime(2026, 10, 1 + i % 20, 10)
            rows.append((f"O{i}", booked, booked + timedelta(days=1), i < confirmed, i < held))
        else:
            rows.append((f"O{i}", datetime(2026, 10, 26 + i % 5, 10), datetime(2026, 11, 3, 11), False, False))
    meetings = pl.DataFrame(rows, schema=["lead_id", "booked_at", "meeting_at", "confirmed", "held"], orient="row")
    leads = meetings.select("lead_id", (pl.col("booked_at") - timedelta(hours=1)).alias("created_at"),
                            pl.lit("Ann").alias("employee"))
    calls = pl.DataFrame({"started_at": [datetime(2026, 9, 1, 9), datetime(2026, 10, 30, 17)],
                          "employee": ["Ann", "Ann"], "duration_s": [90, 90]})
    return Dataset.from_frames(calls=calls, leads=leads, meetings=meetings)


def test_meetings_still_ahead_are_not_a_drop() -> None:
    report = diagnose(prepare(floor_with_meetings_ahead(40)), plans={"Ann": NO_PLAN})
    # Plain cohort: booked → held 40/60 = 66.7 % → 27/60 = 45 %. Due by 30.10: 27/40 = 67.5 % — no drop.
    assert not [f for f in report.findings if f.situation == "few_held"]
    assert report.maturity["due"] == 40 and report.maturity["booked"] == 60
    # Held → paid: October's 27 held meetings are all younger than 30 days → the floor says it is too early.
    [note] = [f for f in report.findings if f.situation == "too_early"]
    assert (note.scope, note.metric, note.severity) == ("floor", "conv_held_to_paid", "low")
    assert note.evidence["mature"] == 0 and note.evidence["cohort"] == 27


def test_too_few_due_meetings_are_too_early_to_judge() -> None:
    report = diagnose(prepare(floor_with_meetings_ahead(25)), plans={"Ann": NO_PLAN})
    assert not [f for f in report.findings if f.situation == "few_held"]
    notes = {f.metric: f for f in report.findings if f.situation == "too_early"}
    assert set(notes) == {"conv_scheduled_to_confirmed", "conv_held_to_paid"}
    # 25 of 60 due; needed max(20, 30) = 30; the 30th earliest meeting date is 3.11
    chain = notes["conv_scheduled_to_confirmed"]
    assert (chain.scope, chain.severity) == ("floor", "low")
    assert chain.current == pytest.approx(21 / 25) and chain.previous == pytest.approx(50 / 60)
    assert chain.message("en") == (
        f"The floor: too early to judge booked → confirmed for October 2026 — only 25 of 60{S}meetings booked were due "
        "by 30 Oct 2026; the rest are still ahead, this is not a drop. Look again after 3 Nov 2026.")
    assert chain.message("ru") == (
        "Отдел: назначение → подтверждение за октябрь 2026 судить рано — срок наступил только у 25 из "
        f"60{S}назначенных встреч (встречи с датой не позже 30.10.2026); остальные ещё впереди, это не падение. "
        "Вернитесь к этому после 03.11.2026.")


def cut_at_friday(data: Dataset, cut: datetime = datetime(2026, 10, 31)) -> Dataset:
    """The demo as exported on Friday 30.10: nothing after the cut happened yet. A meeting is held only if its date
    came, and confirmed only if the day before it came (the generator's rule); later payments are not there."""
    meetings = data.meetings.filter(pl.col("booked_at") < cut).with_columns(
        (pl.col("held") & (pl.col("meeting_at") < cut)).alias("held"),
        (pl.col("confirmed") & (pl.col("meeting_at") - timedelta(days=1) < cut)).alias("confirmed"),
    )
    return Dataset.from_frames(calls=data.calls.filter(pl.col("started_at") < cut),
                               leads=data.leads.filter(pl.col("created_at") < cut), meetings=meetings,
                               payments=data.payments.filter(pl.col("paid_at") < cut))


@pytest.fixture(scope="module")
def demo_report() -> Report:
    return diagnose(prepare(generate_floor(FloorConfig())))


@pytest.fixture(scope="module")
def friday_report() -> Report:
    return diagnose(prepare(cut_at_friday(generate_floor(FloorConfig()))))


# What diagnostics of October say on the full demo (exported 20.11): the four stories and nothing else.
DEMO_OCTOBER = {
    ("Yandex", "source_quality", "target_share"), ("vk", "source_quality", "target_share"),
    ("vk", "new_source", "leads_new"),
    ("Соколов Дмитрий", "few_held", "conv_scheduled_to_confirmed"), ("Соколов Дмитрий", "below_plan", "meetings_held"),
    ("Волков Алексей", "few_booked", "calls_60s"), ("Волков Алексей", "below_plan", "meetings_held"),
    ("Волков Алексей", "few_held", "conv_confirmed_to_held"),
    ("Смирнова Анна", "few_booked", "target_share"), ("Смирнова Анна", "below_plan", "meetings_held"),
}


def test_the_demo_cut_on_friday_finds_what_the_full_export_finds(demo_report: Report, friday_report: Report) -> None:
    """Exported on Friday 30.10, the meetings of the last days are still ahead and October's payments have not had
    30 days: the plain cohort fell for the floor, Кузнецова, Попова and Волков on confirmed/held/paid. Compared on
    what had its chance, the findings are those of the full export, plus one note that payments are too early."""
    assert friday_report.month == demo_report.month == "2026-10"
    found = lambda report: {(f.who, f.situation, f.metric) for f in report.findings  # noqa: E731
                            if f.situation != "too_early"}
    assert found(demo_report) == DEMO_OCTOBER
    assert found(friday_report) == DEMO_OCTOBER
    notes = [f for f in friday_report.findings if f.situation == "too_early"]
    assert [(f.scope, f.metric, f.evidence["mature"], f.evidence["cohort"]) for f in notes] == [
        ("floor", "conv_held_to_paid", 0, 345)]
    sokolov = next(f for f in friday_report.findings if f.who == "Соколов Дмитрий" and f.situation == "few_held")
    # on the 100 of his 117 October meetings due by 30.10: 40 confirmed; September: 92 of 110
    assert sokolov.severity == "high"
    assert sokolov.current == pytest.approx(40 / 100) and sokolov.previous == pytest.approx(92 / 110)
    assert sokolov.message("en").endswith("Only meetings due by 30 Oct 2026 are compared: 100 of 117 this month.")


def test_demo_names_the_confirmation_collapse(demo_report: Report) -> None:
    found = [f for f in demo_report.findings if f.who == "Соколов Дмитрий" and f.situation == "few_held"]
    assert found and found[0].metric == "conv_scheduled_to_confirmed" and found[0].severity == "high"


def test_demo_names_the_one_who_calls_too_little(demo_report: Report) -> None:
    found = [f for f in demo_report.findings if f.who == "Волков Алексей" and f.metric == "calls_60s"]
    assert found and found[0].situation in ("few_booked", "below_plan")
    assert not any(f.metric == "calls_60s" for f in demo_report.findings if f.who != "Волков Алексей")
    # His calls rose 718 → 780 but are 44.3 % of plan: the plan is the cause, not a fall that did not happen.
    assert "718" not in found[0].message("en") and "few calls ≥ 60 s: 780, 44.3% of plan" in found[0].message("en")
    assert (found[0].previous, found[0].plan) == (None, 1760)


def test_demo_marks_yandex_and_the_new_source(demo_report: Report) -> None:
    situations = {(f.who, f.situation, f.metric) for f in demo_report.findings if f.scope == "source"}
    assert ("Yandex", "source_quality", "target_share") in situations
    assert ("vk", "new_source", "leads_new") in situations
    assert not any(who == "Google" for who, _, _ in situations)


def test_text_form_lists_findings_most_severe_first(demo_report: Report) -> None:
    text = findings_text(demo_report, "en")
    assert text.startswith("Diagnostics for 2026-10 (compared with 2026-09)")
    assert text.splitlines()[2].startswith("[HIGH]")
    assert findings_text(Report("2026-10", "2026-09"), "ru") == (
        "Диагностика за 2026-10 (сравнение с 2026-09)\n\nТревожного ничего нет.\n")


# ---- the page says what it compares (issue 13, items 3 and 4) ----------------------------------------------------

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_diagnostics(lang: str, **link: str) -> AppTest:
    """The Diagnostics page opened from a link: the sidebar is set by the link's parameters (period, from, to,
    mode), as a shared link sets it."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    for key, value in link.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/chain_diagnostics.py").run()
    assert not at.exception, at.exception
    return at




@pytest.mark.usefixtures("own_settings")
def test_the_page_states_month_mode_and_plan_against_actual() -> None:
    at = open_diagnostics("ru")
    markdown = [m.value for m in at.markdown]
    captions = [c.value for c in at.caption]
    # The sidebar's "last month" of the demo (data to 20.11) is October: the page says so, with the mode.
    assert "**Октябрь 2026 против сентября 2026, когорта: встречи по дате назначения; план — по событиям.**" in markdown
    assert not any("боковой панели" in c for c in captions)  # October, cohort: the sidebar agrees
    # Волков: 780 calls ≥ 60 s against a plan of 80 × 22 = 1 760 — plan against actual, not "September → October".
    assert f"Звонки от 60 с за октябрь 2026 по дате события: план 1{S}760, факт 780 (44,3{S}%)" in captions
    assert any(m.startswith("Октябрь 2026 против сентября 2026: 10") for m in markdown)
    assert any(c.startswith("Сравнивается только то, у чего был шанс") for c in captions)


@pytest.mark.usefixtures("own_settings")
def test_the_page_follows_a_whole_month_of_the_sidebar_and_says_what_it_does_not_follow() -> None:
    at = open_diagnostics("en", period="custom", mode="event", **{"from": "2026-09-01", "to": "2026-09-30"})
    assert "**September 2026 against August 2026, cohort: meetings by booking date; plans by events.**" in [
        m.value for m in at.markdown]
    captions = [c.value for c in at.caption]
    assert "The sidebar's Events mode does not apply here: the chain can only be compared fairly by cohort." in captions
    assert not any("sidebar's period" in c for c in captions)  # September is the sidebar's own period
    at = open_diagnostics("en", period="this_month")  # November 1–20: not a whole month → the last complete one
    assert "**October 2026 against September 2026, cohort: meetings by booking date; plans by events.**" in [
        m.value for m in at.markdown]
    assert ("The sidebar's period does not apply here: diagnostics compare a whole month with the month before."
            in [c.value for c in at.caption])
