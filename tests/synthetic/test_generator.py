"""The synthetic generator: determinism, file layout, truth, and that its errors really occur."""

from __future__ import annotations

import csv
import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime

import pytest

from hublink.synthetic import (
    DEFAULT_PARTNERS, GROUPS, ErrorRates, Person, generate_dataset, generate_population,
    read_truth, write_partner_files,
)
from hublink.synthetic.corruption import ERROR_KINDS, corrupt, strip_accents
from hublink.synthetic.name_variants import NICKNAMES, SPELLING_VARIANTS, TRANSLITERATIONS
from hublink.synthetic.names import ASIAN, HISPANIC, VIETNAMESE_MIDDLE_NAMES
from hublink.synthetic.places import ZIP_AREAS
from hublink.synthetic.population import age_on

SEED = 7
YOUTH = 12_000
IDENTIFIER_KEYS = {"first_name", "middle_name", "last_name", "full_name", "dob", "dob_format",
                   "sex", "address", "city", "zip"}


@pytest.fixture(scope="module")
def population() -> list[Person]:
    return generate_population(YOUTH, SEED)


@pytest.fixture(scope="module")
def people(population: list[Person]) -> dict[str, Person]:
    return {person.person_id: person for person in population}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory, population: list[Person]):
    return write_partner_files(tmp_path_factory.mktemp("synthetic"), population, seed=SEED)


@pytest.fixture(scope="module")
def rows(dataset) -> dict[str, list[dict[str, str]]]:
    result = {}
    for partner_file in dataset.partners:
        name = partner_file.name
        with open(partner_file.path, newline="", encoding="utf-8") as handle:
            result[name] = list(csv.DictReader(handle))
    return result


def letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", strip_accents(text).lower())


def edit_distance(first: str, second: str) -> int:
    """Optimal string alignment distance: a transposition counts as one edit."""
    previous_row, row = None, list(range(len(second) + 1))
    for i, a in enumerate(first, start=1):
        earlier, previous_row, row = previous_row, row, [i] + [0] * len(second)
        for j, b in enumerate(second, start=1):
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + (a != b))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                row[j] = min(row[j], earlier[j - 2] + 1)
    return row[-1]


def recorded_date(partner: str, text: str) -> date | None:
    spec = next(spec for spec in DEFAULT_PARTNERS if spec.name == partner)
    return datetime.strptime(text, spec.dob_format).date() if text else None


# --- population -----------------------------------------------------------------------------

def test_population_is_deterministic_by_seed():
    assert generate_population(800, 3) == generate_population(800, 3)
    assert generate_population(800, 3) != generate_population(800, 4)


def test_person_ids_are_unique_and_ages_in_range(population):
    assert len(population) == YOUTH
    assert len({person.person_id for person in population}) == YOUTH
    assert all(5 <= age_on(person.birth_date) <= 24 for person in population)


def test_addresses_are_baltimore_zips_with_matching_neighbourhoods(population):
    areas = {area.zip: area for area in ZIP_AREAS}
    assert all(person.neighbourhood in areas[person.zip].neighbourhoods for person in population)
    assert all(person.street_name in areas[person.zip].streets for person in population)
    assert Counter(person.city for person in population)["Baltimore"] > 0.9 * YOUTH


def test_group_shares_resemble_baltimore_youth(population):
    shares = {group: count / YOUTH
              for group, count in Counter(p.race_ethnicity for p in population).items()}
    assert set(shares) == set(GROUPS)
    assert 0.55 < shares["Black or African American"] < 0.65
    assert 0.17 < shares["White"] < 0.25
    assert 0.08 < shares[HISPANIC] < 0.14
    assert 0.02 < shares[ASIAN] < 0.045


def test_population_has_twins_and_namesakes(population):
    by_household = defaultdict(list)
    for person in population:
        by_household[(person.family_name, person.birth_date, person.street_number,
                      person.street_name, person.zip)].append(person)
    twins = [group for group in by_household.values()
             if len(group) == 2 and group[0].given_name != group[1].given_name]
    assert len(twins) >= 20
    by_name_year = defaultdict(list)
    for person in population:
        by_name_year[(person.given_name, person.family_name, person.birth_date.year)].append(person)
    namesakes = [group for group in by_name_year.values()
                 if len({(p.birth_date, p.zip, p.street_name) for p in group}) > 1]
    assert len(namesakes) >= 10


def test_hispanic_surnames_are_often_compound_and_accented(population):
    hispanic = [p for p in population if p.race_ethnicity == HISPANIC]
    compound = [p for p in hispanic if len(p.family_name_parts) == 2]
    assert 0.35 < len(compound) / len(hispanic) < 0.55
    assert all(p.family_name == " ".join(p.family_name_parts) for p in compound)
    assert any(not p.family_name.isascii() for p in hispanic)
    assert any(not p.given_name.isascii() for p in hispanic)


# --- partner files --------------------------------------------------------------------------

def test_files_are_deterministic_by_seed(tmp_path, population):
    sample = population[:1500]
    first = write_partner_files(tmp_path / "a", sample, seed=1)
    again = write_partner_files(tmp_path / "b", sample, seed=1)
    other = write_partner_files(tmp_path / "c", sample, seed=2)
    for partner_file, repeated in zip(first.partners, again.partners, strict=True):
        assert partner_file.path.read_bytes() == repeated.path.read_bytes()
    assert first.truth_path.read_bytes() == again.truth_path.read_bytes()
    assert first.truth_path.read_bytes() != other.truth_path.read_bytes()


def test_files_have_the_declared_columns(dataset, rows):
    assert len(dataset.partners) >= 5
    for spec in DEFAULT_PARTNERS:
        partner_file = dataset.partner(spec.name)
        with open(partner_file.path, newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == list(spec.columns.values())
        assert set(partner_file.identifiers) <= IDENTIFIER_KEYS
        assert bool(partner_file.identifiers.get("full_name")) != bool(
            partner_file.identifiers.get("first_name"))
        named = [column for key, column in partner_file.identifiers.items()
                 if key not in ("dob_format", "address")]
        named += partner_file.identifiers.get("address", [])
        assert set(named) | set(partner_file.attributes.values()) <= set(header)
        assert partner_file.record_key in header
        assert partner_file.record_count == len(rows[spec.name]) > 0
        keys = [row[partner_file.record_key] for row in rows[spec.name]]
        assert len(set(keys)) == len(keys)


def test_dates_follow_each_partners_declared_format(dataset, rows):
    for partner_file in dataset.partners:
        name = partner_file.name
        column, layout = partner_file.identifiers["dob"], partner_file.identifiers["dob_format"]
        for row in rows[name]:
            if row[column]:
                datetime.strptime(row[column], layout)


def test_full_name_columns_follow_their_style(rows):
    assert all(", " in row["CLIENT_NAME"] for row in rows["health_department"])
    assert not any("," in row["Name"] for row in rows["westside_mentoring"])


# --- truth ----------------------------------------------------------------------------------

def test_truth_covers_every_record_and_nothing_else(dataset, rows):
    in_files = {(name, row[dataset.partner(name).record_key])
                for name, partner_rows in rows.items() for row in partner_rows}
    assert in_files == set(dataset.truth)
    assert read_truth(dataset.truth_path) == dataset.truth


def test_records_belong_to_the_person_truth_names(dataset, rows, people):
    """Clean school rows carry their person's own names and birth date."""
    name_errors = {"typo", "nickname", "spelling_variant", "transliteration", "given_name_form",
                   "middle_in_given", "punctuation", "compound_first_only",
                   "compound_rejoined", "compound_last_only", "maternal_as_middle",
                   "name_order_swap", "surname_change", "spacing_noise", "suffix_added", "day_month_swap",
                   "year_digit", "dob_missing"}
    checked = 0
    for row in rows["city_schools"]:
        record = dataset.truth[("city_schools", row["STUDENT_ID"])]
        if name_errors & set(record.errors):
            continue
        person = people[record.person_id]
        assert row["STU_FIRST_NM"] == strip_accents(person.given_name).upper()
        assert row["STU_LAST_NM"].startswith(strip_accents(person.family_name).upper())
        assert recorded_date("city_schools", row["BIRTH_DT"]) == person.birth_date
        checked += 1
    assert checked > 0.7 * len(rows["city_schools"])


def test_true_pairs_are_exactly_the_same_person_pairs(dataset):
    pairs = dataset.true_pairs()
    by_person = Counter(record.person_id for record in dataset.truth.values())
    assert len(pairs) == sum(math.comb(count, 2) for count in by_person.values())
    assert all(len({dataset.person_of(*ref) for ref in pair}) == 1 for pair in pairs)
    assert dataset.true_entity_count() == len(by_person) < len(dataset.truth)


def test_duplicates_exist_within_every_partner_and_across_partners(dataset):
    within = Counter(next(iter(pair))[0] for pair in dataset.true_pairs()
                     if len({ref[0] for ref in pair}) == 1)
    assert set(within) == {f.name for f in dataset.partners}
    across = [pair for pair in dataset.true_pairs() if len({ref[0] for ref in pair}) == 2]
    assert len(across) > 1000


def test_every_group_is_in_the_truth(dataset):
    assert {record.race_ethnicity for record in dataset.truth.values()} == set(GROUPS)


def test_generate_dataset_writes_every_default_partner(tmp_path):
    dataset = generate_dataset(tmp_path, youth=300, seed=5)
    assert [f.name for f in dataset.partners] == [spec.name for spec in DEFAULT_PARTNERS]
    assert all(f.path.exists() for f in dataset.partners)
    assert dataset.truth_path.exists() and dataset.truth


# --- recording errors, seen in the files ----------------------------------------------------

def test_swapped_name_order_appears_and_hits_asian_names_most(dataset, rows, people):
    swapped, total = Counter(), Counter()
    for name in ("city_schools", "youthworks", "rec_and_parks"):
        first_column = dataset.partner(name).identifiers["first_name"]
        last_column = dataset.partner(name).identifiers["last_name"]
        for row in rows[name]:
            record = dataset.truth[(name, row[dataset.partner(name).record_key])]
            person = people[record.person_id]
            group = "asian" if person.race_ethnicity == ASIAN else "other"
            total[group] += 1
            if (letters(row[first_column]) == letters(person.family_name)
                    and letters(row[last_column]).startswith(letters(person.given_name))
                    and person.given_name != person.family_name):
                swapped[group] += 1
    assert swapped["asian"] > 0 and swapped["other"] > 0
    assert swapped["asian"] / total["asian"] > 2.5 * swapped["other"] / total["other"]


def test_compound_surnames_are_written_three_ways(dataset, rows, people):
    forms = Counter()
    for name in ("city_schools", "youthworks", "rec_and_parks"):
        last_column = dataset.partner(name).identifiers["last_name"]
        for row in rows[name]:
            person = people[dataset.person_of(name, row[dataset.partner(name).record_key])]
            if person.race_ethnicity != HISPANIC or len(person.family_name_parts) != 2:
                continue
            recorded = row[last_column].strip().lower()
            paternal, maternal = (strip_accents(p).lower() for p in person.family_name_parts)
            if recorded in (f"{paternal}-{maternal}",):
                forms["hyphenated"] += 1
            elif strip_accents(recorded) == f"{paternal} {maternal}":
                forms["full"] += 1
                forms["full_accented"] += recorded != strip_accents(recorded)
            elif strip_accents(recorded) == paternal:
                forms["first_only"] += 1
    assert forms["full"] > forms["first_only"] > forms["hyphenated"] > 10
    assert forms["full_accented"] > 10  # partners that keep accents keep them


def test_day_month_swaps_and_year_slips_appear_at_about_their_rates(dataset, rows, people):
    swaps = eligible = year_slips = 0
    column = dataset.partner("city_schools").identifiers["dob"]
    for row in rows["city_schools"]:
        person = people[dataset.person_of("city_schools", row["STUDENT_ID"])]
        recorded = recorded_date("city_schools", row[column])
        true = person.birth_date
        if recorded is None:
            continue
        if true.day <= 12 and true.day != true.month:
            eligible += 1
            swaps += (recorded.month, recorded.day) == (true.day, true.month)
        year_slips += recorded.year != true.year and (recorded.month, recorded.day) in (
            (true.month, true.day), (true.day, true.month))
    expected = ErrorRates().day_month_swap * DEFAULT_PARTNERS[0].error_multiplier
    assert 0.4 * expected < swaps / eligible < 2.0 * expected
    assert year_slips > 0


def test_nicknames_and_within_partner_duplicates_differ(dataset, rows, people):
    nicknames = sum(row["FIRST_NAME"] in NICKNAMES.get(
        people[dataset.person_of("youthworks", row["YW_ID"])].given_name, ())
        for row in rows["youthworks"])
    assert nicknames > 10
    by_person = defaultdict(list)
    for row in rows["health_department"]:
        by_person[dataset.person_of("health_department", row["MRN"])].append(row)
    duplicated = [group for group in by_person.values() if len(group) > 1]
    assert duplicated
    assert all(len({row["MRN"] for row in group}) == len(group) for group in duplicated)


# --- recording errors, one kind at a time ---------------------------------------------------

def _has_punctuation(name: str) -> bool:
    return "'" in name or "-" in name or bool(re.search(r"[a-z][A-Z]", name))


def _names(person: Person) -> tuple[str, str, str]:
    return person.given_name, person.middle_name, person.family_name


# kind -> (which people it can apply to, what the recording must look like when it did)
EFFECTS = {
    "typo": (lambda p: True,
             lambda p, r: (edit_distance(p.given_name.lower(), r.given_name.lower()) == 1)
             != (edit_distance(p.family_name.lower(), r.family_name.lower()) == 1)),
    "nickname": (lambda p: p.given_name in NICKNAMES,
                 lambda p, r: r.given_name in NICKNAMES[p.given_name]),
    "spelling_variant": (
        lambda p: p.given_name in SPELLING_VARIANTS or p.family_name in SPELLING_VARIANTS,
        lambda p, r: r.given_name in SPELLING_VARIANTS.get(p.given_name, ())
        or r.family_name in SPELLING_VARIANTS.get(p.family_name, ())),
    "transliteration": (
        lambda p: p.given_name in TRANSLITERATIONS or p.family_name in TRANSLITERATIONS,
        lambda p, r: r.given_name in TRANSLITERATIONS.get(p.given_name, ())
        or r.family_name in TRANSLITERATIONS.get(p.family_name, ())),
    "given_name_form": (
        lambda p: " " in p.given_name,
        lambda p, r: r.given_name != p.given_name and " " not in r.given_name
        and letters(r.given_name).startswith(letters(p.given_name.split()[0]))),
    "middle_in_given": (
        lambda p: bool(p.middle_name) and p.race_ethnicity in (ASIAN, HISPANIC)
        and " " not in p.given_name,
        lambda p, r: r.middle_name == "" and r.given_name in (
            f"{p.middle_name} {p.given_name}", f"{p.given_name} {p.middle_name}")
        and (r.given_name.startswith(p.middle_name)
             == any(p.middle_name in n.names for n in VIETNAMESE_MIDDLE_NAMES.values()))),
    "punctuation": (lambda p: _has_punctuation(p.given_name) or _has_punctuation(p.family_name),
                    lambda p, r: (r.given_name, r.family_name) != (p.given_name, p.family_name)
                    and letters(r.given_name + r.family_name)
                    == letters(p.given_name + p.family_name)),
    "accents_dropped": (lambda p: not "".join(_names(p)).isascii(),
                        lambda p, r: tuple(map(strip_accents, _names(p))) == (
                            r.given_name, r.middle_name, r.family_name)),
    "compound_first_only": (lambda p: len(p.family_name_parts) == 2,
                            lambda p, r: r.family_name == p.family_name_parts[0]),
    "compound_last_only": (lambda p: len(p.family_name_parts) == 2,
                           lambda p, r: r.family_name == p.family_name_parts[1]),
    "compound_rejoined": (
        lambda p: len(p.family_name_parts) == 2,
        lambda p, r: r.family_name in ("-".join(map(strip_accents, p.family_name_parts)),
                                       " ".join(p.family_name_parts))
        and r.family_name != p.family_name),
    "maternal_as_middle": (lambda p: " " in p.family_name and len(p.family_name_parts) == 2,
                           lambda p, r: (r.family_name, r.middle_name) == p.family_name_parts),
    "name_order_swap": (lambda p: p.race_ethnicity != ASIAN,
                        lambda p, r: (r.given_name, r.family_name)
                        == (p.family_name, p.given_name)),
    "surname_change": (lambda p: True,
                       lambda p, r: r.family_name != p.family_name
                       and r.family_name not in p.family_name_parts and r.given_name == p.given_name),
    "day_month_swap": (lambda p: p.birth_date.day <= 12 and p.birth_date.day != p.birth_date.month,
                       lambda p, r: r.birth_date == date(p.birth_date.year, p.birth_date.day,
                                                         p.birth_date.month)),
    "year_digit": (lambda p: True,
                   lambda p, r: r.birth_date.year != p.birth_date.year
                   and r.birth_date.month == p.birth_date.month),
    "dob_missing": (lambda p: True, lambda p, r: r.birth_date is None),
    "moved": (lambda p: True,
              lambda p, r: (r.street_number, r.street_name, r.zip)
              != (p.street_number, p.street_name, p.zip)),
    "address_missing": (lambda p: True, lambda p, r: not (r.street_name or r.zip or r.city)),
    "street_format": (lambda p: p.street_name != "The Alameda",
                      lambda p, r: len(r.street_name) > len(p.street_name)),
    "city_variant": (lambda p: p.city == "Baltimore",
                     lambda p, r: r.city != "Baltimore" and r.city.lower().startswith("balt")),
    "middle_missing": (lambda p: bool(p.middle_name), lambda p, r: r.middle_name == ""),
    "middle_initial": (lambda p: bool(p.middle_name),
                       lambda p, r: r.middle_name == p.middle_name[0]),
    "sex_missing": (lambda p: True, lambda p, r: r.sex == ""),
    "sex_error": (lambda p: True, lambda p, r: r.sex not in ("", p.sex)),
    "case_noise": (lambda p: True,
                   lambda p, r: r.given_name in (p.given_name.upper(), p.given_name.lower())
                   and r.family_name in (p.family_name.upper(), p.family_name.lower())
                   and (r.given_name, r.family_name) != (p.given_name, p.family_name)),
    "spacing_noise": (lambda p: True,
                      lambda p, r: (r.given_name, r.family_name) != (p.given_name, p.family_name)
                      and re.sub(r"\s|-", "", r.given_name + r.family_name)
                      == re.sub(r"\s|-", "", p.given_name + p.family_name)),
    "suffix_dropped": (lambda p: bool(p.suffix), lambda p, r: r.suffix == ""),
    "suffix_added": (lambda p: p.sex == "M" and not p.suffix, lambda p, r: r.suffix == "Jr"),
}


def test_every_error_kind_has_a_check():
    assert set(EFFECTS) | {"name_order_swap_asian"} == set(ERROR_KINDS)


@pytest.mark.parametrize("kind", sorted(EFFECTS))
def test_each_error_occurs_at_its_rate_and_does_what_it_says(kind, population):
    rate = 0.3
    rates = replace(ErrorRates(**{name: 0.0 for name in ERROR_KINDS}), **{kind: rate})
    applies, effect = EFFECTS[kind]
    rng = random.Random(kind)
    eligible = [p for p in population if applies(p)]
    if len(eligible) < 800:
        eligible = eligible * math.ceil(800 / len(eligible))
    hits = 0
    for person in eligible:
        recording = corrupt(person, rates, rng)
        if kind in recording.errors:
            hits += 1
            assert effect(person, recording), (person, recording)
        else:
            assert not recording.errors
    expected_spread = 4.5 * math.sqrt(rate * (1 - rate) / len(eligible))
    assert abs(hits / len(eligible) - rate) < expected_spread


def test_asian_names_are_swapped_at_their_own_rate(population):
    rates = replace(ErrorRates(**{name: 0.0 for name in ERROR_KINDS}),
                    name_order_swap=0.0, name_order_swap_asian=0.5)
    rng = random.Random(1)
    asian = [p for p in population if p.race_ethnicity == ASIAN] * 3
    others = [p for p in population if p.race_ethnicity != ASIAN][:1000]
    swapped = sum("name_order_swap" in corrupt(p, rates, rng).errors for p in asian)
    assert 0.4 < swapped / len(asian) < 0.6
    assert not any(corrupt(p, rates, rng).errors for p in others)


def test_corruption_is_deterministic_given_the_generator(population):
    first = [corrupt(p, ErrorRates(), random.Random(9)) for p in population[:300]]
    again = [corrupt(p, ErrorRates(), random.Random(9)) for p in population[:300]]
    assert first == again


def test_us_name_frequencies_bring_real_collisions(population):
    """Names come partly from clkhash's US lists: Smith and Johnson as common as in the US."""
    from hublink.synthetic.us_names import draw_us_given_name, us_surnames
    surnames = Counter(person.family_name for person in population)
    assert {"Smith", "Johnson", "Williams"} <= {name for name, _ in surnames.most_common(6)}
    assert len(surnames) > 1_500
    assert us_surnames().names[0] == "Smith"
    assert draw_us_given_name(random.Random(1), "F", 2030) == draw_us_given_name(random.Random(1), "F", 2015)


def test_some_partners_swap_name_order_far_more_often(dataset, rows, people):
    """health_department (one "Last, First" column) swaps given and family names in ~20%."""
    swapped = [dataset.truth[("health_department", row["MRN"])].errors.count("name_order_swap")
               for row in rows["health_department"]]
    assert 0.15 < sum(swapped) / len(swapped) < 0.25
    schools = [dataset.truth[("city_schools", row["STUDENT_ID"])].errors.count("name_order_swap")
               for row in rows["city_schools"]]
    assert sum(schools) / len(schools) < 0.03
