"""Diagnostics names the hunter when a lead generator's payments fell with one hunter only (issue 13 item 8).

The hand-built floor: two lead generators book 120 meetings a month in September and October 2026, 40 for each of
the hunters H1, H2, H3; every meeting is held the day after booking, and a paid lead pays 5 days after its meeting.
A call on 15.12.2026 puts the data end past every payment window (30 days), so every held meeting is ripe.

    held → paid        September            October
    One  × H1          20 / 40 = 50 %       4 / 40 = 10 %      the fall sits with H1 alone
    One  × H2, H3      20 / 40 each         20 / 40 each       (the others: 40 / 80 → 40 / 80)
    All  × H1, H2, H3  20 / 40 each         13 / 40 each       a spread fall: no hunter alone is to blame

One: 60 / 120 = 50 % → 44 / 120 = 36.7 % (z ≈ −2.08, p ≈ 0.019, −26.7 %): a real drop, and H1's 50 % → 10 % is one
too (z ≈ −3.9), while H2 and H3 together stay at 50 %. All: 60 / 120 → 39 / 120 = 32.5 % (z ≈ −2.75), but no hunter's
13 / 40 against 20 / 40 is significant alone (z ≈ −1.59, p ≈ 0.056).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from analytics import i18n
from analytics.diagnostics import Finding, diagnose, matrix_outliers
from analytics.model import prepare
from analytics.schema import Dataset

S = i18n.NBSP
PAID = {  # (setter, hunter, month): how many of the 40 held meetings paid
    ("One", "H1", 9): 20, ("One", "H2", 9): 20, ("One", "H3", 9): 20,
    ("One", "H1", 10): 4, ("One", "H2", 10): 20, ("One", "H3", 10): 20,
    ("All", "H1", 9): 20, ("All", "H2", 9): 20, ("All", "H3", 9): 20,
    ("All", "H1", 10): 13, ("All", "H2", 10): 13, ("All", "H3", 10): 13,
}


def floor() -> Dataset:
    leads, meetings, payments = [], [], []
    for (setter, hunter, month), paid in PAID.items():
        for i in range(40):
            lead = f"{setter}-{hunter}-{month}-{i}"
            booked = datetime(2026, month, 1 + i % 25, 10)
            held = booked + timedelta(days=1)
            leads.append({"lead_id": lead, "created_at": booked - timedelta(hours=2), "employee": setter,
                          "source": "google", "is_target": True})
            meetings.append({"lead_id": lead, "booked_at": booked, "setter": setter, "meeting_at": held,
                             "confirmed": True, "held": True, "held_at": held, "hunter": hunter})
            if i < paid:
                payments.append({"lead_id": lead, "paid_at": held + timedelta(days=5), "amount": 1000.0})
    # Google has brought leads since June: not a new source (that would add a check to the sentence).
    leads.append({"lead_id": "June", "created_at": datetime(2026, 6, 1, 10), "employee": "One", "source": "google",
                  "is_target": True})
    calls = pl.DataFrame({"started_at": [datetime(2026, 12, 15, 9)], "employee": ["One"], "duration_s": [30]})
    return Dataset.from_frames(leads=pl.DataFrame(leads), meetings=pl.DataFrame(meetings),
                               payments=pl.DataFrame(payments), calls=calls)


@pytest.fixture(scope="module")
def findings() -> dict[str | None, Finding]:
    report = diagnose(prepare(floor()), month="2026-10")
    return {f.who: f for f in report.findings if f.situation == "few_payments" and f.scope == "employee"}


def test_the_fall_with_one_hunter_names_that_hunter(findings: dict[str | None, Finding]) -> None:
    one = findings["One"]
    assert (one.metric, one.current, one.previous) == ("conv_held_to_paid", pytest.approx(44 / 120),
                                                       pytest.approx(60 / 120))
    assert one.template == "few_payments_hunter"
    assert one.evidence["hunter"] == {
        "hunter": "H1", "paid_now": 4, "held_now": 40, "paid_before": 20, "held_before": 40,
        "others_paid_now": 40, "others_held_now": 80, "others_paid_before": 40, "others_held_before": 80}
    en = one.message("en")
    assert (f"The fall sits with one hunter, H1: 50.0% → 10.0% (4 paid of 40{S}meetings held), while the other "
            "hunters went 50.0% → 50.0%; target share of the held meetings' leads 100.0% → 100.0%.") in en
    assert en.endswith("Look at the meetings H1 held: the cause is more likely the hunter than the lead generator.")
    ru = one.message("ru")
    assert (f"Падение только у одного хантера — H1: 50,0{S}% → 10,0{S}% (оплачено 4 из 40{S}проведённых встреч), "
            f"у остальных хантеров 50,0{S}% → 50,0{S}%; ") in ru
    assert "дело, скорее всего, в хантере, а не в лидорубе" in ru


def test_a_fall_spread_over_every_hunter_names_none(findings: dict[str | None, Finding]) -> None:
    spread = findings["All"]
    assert (spread.current, spread.previous) == (pytest.approx(39 / 120), pytest.approx(60 / 120))
    assert spread.template == "few_payments_checked"  # the lead generator's finding, as before: listen to the calls
    assert "hunter" not in spread.evidence
    assert "H1" not in spread.message("en") and "хантер" not in spread.message("ru")



def test_the_matrix_tells_the_hunters_problem_from_the_lead_generators() -> None:
    """Held → paid of three lead generators with three hunters (paid / held):

        P: H1 5 / 40, H2 20 / 40, H3 20 / 40   — fails with H1 only: 12.5 % against 40 / 80 = 50 % (z ≈ −3.9)
        Q: H1 6 / 40, H2 6 / 40, H3 6 / 40     — fails with everyone: 18 / 120 = 15 % against the others'
                                                 105 / 240 = 43.75 % (z ≈ −5.4), no cell below Q's other cells
        R: 20 / 40 with every hunter           — nothing to say
        S: H1 1 / 9, H2 20 / 40                — H1 has 9 meetings, too few to judge
    """
    pairs = pl.DataFrame({
        "employee": ["P"] * 3 + ["Q"] * 3 + ["R"] * 3 + ["S"] * 2,
        "hunter": ["H1", "H2", "H3"] * 3 + ["H1", "H2"],
        "meetings_held": [40] * 9 + [9, 40],
        "payments": [5, 20, 20, 6, 6, 6, 20, 20, 20, 1, 20],
    })
    assert matrix_outliers(pairs) == [
        {"employee": "P", "kind": "hunter", "hunter": "H1", "paid": 5, "held": 40, "others_paid": 40,
         "others_held": 80},
        {"employee": "Q", "kind": "setter", "hunter": None, "paid": 18, "held": 120, "others_paid": 5 + 40 + 60 + 21,
         "others_held": 120 + 120 + 49},
    ]
    # Q's meetings with H1 paying better than the others' with H1 (P 5, R 20, S 1 of 89): no longer "every hunter".
    better = pairs.with_columns(pl.when((pl.col("employee") == "Q") & (pl.col("hunter") == "H1")).then(12)
                                .otherwise(pl.col("payments")).alias("payments"))
    assert [o["employee"] for o in matrix_outliers(better)] == ["P"]
