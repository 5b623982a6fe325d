"""Merging people's spellings: telephony names → the one CRM person they stand for (analytics/people.py)."""

from __future__ import annotations

import random
import re
import time

import polars as pl
import pytest

from analytics.people import person_spellings, suggest

CRM = ["Иванов Иван", "Иванов Пётр", "Петров Сергей", "Сидорова Анна", "Соколов Дмитрий", "Smith John"]


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("205 (Петров)", "Петров Сергей"),  # the existing case: a word of exactly one CRM person
        ("205 (Иванов)", None),  # two Ивановы: no guess
        ("Иванов И.", "Иванов Иван"),  # the initial tells the two Ивановы apart
        ("Иванов П.", "Иванов Пётр"),
        ("Иванов С.", None),  # an initial that fits neither
        ("Петроф С.", "Петров Сергей"),  # misspelt: 5 of 6 letters in place, ratio 83
        ("Сидорва", "Сидорова Анна"),  # a letter missing
        ("соколов", "Соколов Дмитрий"),  # case does not matter
        ("Ivanov", None),  # no transliteration
        ("Сидоркин", None),  # a different surname, ratio 67 < 80
        ("Дмитрий", "Соколов Дмитрий"),  # a first name only one CRM person has
        ("Иван", "Иванов Иван"),  # as before: a word that only one CRM person has
        ("301", None),  # no letters at all
        ("Иванов Иван", None),  # already a CRM name: nothing to merge
    ],
)
def test_hand_cases(spelling: str, expected: str | None) -> None:
    assert suggest([spelling], CRM).get(spelling) == expected


def test_short_words_are_not_matched_fuzzily() -> None:
    # "Анн" is three letters: one letter off is too little evidence (and would be ratio 86 against "анна").
    assert suggest(["Анн"], CRM) == {}
    assert suggest(["Анна"], CRM) == {"Анна": "Сидорова Анна"}


def test_ё_reads_as_е() -> None:
    assert suggest(["Пётр"], ["Петр Иванов", "Сидоров Олег"]) == {"Пётр": "Петр Иванов"}


def old_suggest(names: list[str], crm_names: list[str]) -> dict[str, str]:
    """The previous implementation in pages/_common.py (O(n·m)), kept here as the reference for exact matches."""
    suggestions = {}
    for name in names:
        if name in crm_names:
            continue
        words = set(re.findall(r"[^\W\d_]{3,}", name.lower()))
        matches = [c for c in crm_names if words & set(re.findall(r"[^\W\d_]{3,}", c.lower()))]
        if len(matches) == 1:
            suggestions[name] = matches[0]
    return suggestions


SYLLABLES = ["ко", "ва", "ли", "ре", "ми", "на", "до", "за", "пе", "бу", "ти", "го", "ла", "се", "мо", "ру", "фа",
             "жи", "ца", "шу", "хо", "ды", "лю", "че", "гра", "стро", "брю", "кве", "мяг", "тор"]
ENDINGS = ["ов", "ин", "ский", "ев", "енко"]
FIRST = ["Иван", "Пётр", "Анна", "Олег", "Мария", "Сергей", "Дарья", "Никита"]


def floor_of_names(people: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """`people` CRM names and, for each, a telephony spelling: `2xx (Surname)`, `Surname I.` or a typo."""
    rng = random.Random(seed)
    surnames: set[str] = set()
    while len(surnames) < people:
        surnames.add("".join(rng.choice(SYLLABLES) for _ in range(4)).capitalize() + rng.choice(ENDINGS))
    crm = [f"{s} {rng.choice(FIRST)}" for s in sorted(surnames)]
    spellings = []
    for number, name in enumerate(crm):
        surname, first = name.split()
        kind = number % 3
        if kind == 0:
            spellings.append(f"{200 + number} ({surname})")
        elif kind == 1:
            spellings.append(f"{surname} {first[0]}.")
        else:
            at = rng.randrange(1, len(surname))
            spellings.append(surname[:at] + surname[at + 1:])  # one letter dropped
    return crm, spellings


def test_exact_matches_are_those_of_the_old_rule() -> None:
    crm, spellings = floor_of_names(600)
    names = crm + spellings
    old = old_suggest(names, crm)
    new = suggest(names, crm)
    assert old  # the case is not empty
    assert {n: new.get(n) for n in old} == old


def test_ten_thousand_names() -> None:
    crm, spellings = floor_of_names(5000)
    names = crm + spellings
    started = time.perf_counter()
    found = suggest(names, crm)
    elapsed = time.perf_counter() - started
    print(f"\nsuggest: {len(names)} names against {len(crm)} CRM names in {elapsed:.3f} s, "
          f"{len(found)} suggestions")
    by_kind: dict[int, list[bool]] = {0: [], 1: [], 2: []}
    for number, (spelling, person) in enumerate(zip(spellings, crm, strict=True)):
        assert found.get(spelling) in (None, person), spelling  # never the wrong person
        by_kind[number % 3].append(found.get(spelling) == person)
    assert all(by_kind[0]) and all(by_kind[1])  # `2xx (Surname)` and `Surname I.`: every one found
    # A dropped letter can make two of 5 000 generated surnames equally close: those are left to the user.
    assert sum(by_kind[2]) / len(by_kind[2]) > 0.7


def test_person_spellings_count_calls_and_leads_per_spelling_as_normalised() -> None:
    calls = pl.DataFrame({"employee": ["205 (Иванов)", " 205  (Иванов) ", None, "Петров", "   "]})
    leads = pl.DataFrame({"employee": ["Иванов Иван", "Петров", None]})
    assert person_spellings(calls, leads).rows() == [("205 (Иванов)", 2, 0), ("Иванов Иван", 0, 1), ("Петров", 1, 1)]
