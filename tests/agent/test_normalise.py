import json
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path

import pandas
import pytest

from hublink.agent.normalise import (FEATURE_NAMES, RawIdentifiers, RecordProblem,
                                     normalise_record)
from hublink.agent.normalise.address import split_address
from hublink.shared.linkage_schema import CURRENT_SCHEMA_ID

TODAY = date(2025, 6, 1)
SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"


def features(dob_format: str | None = "%m/%d/%Y", **cells) -> dict[str, str]:
    record = normalise_record(RawIdentifiers(**cells), dob_format, today=TODAY)
    return dict(zip(FEATURE_NAMES, record.features, strict=True))


def problems(dob_format: str | None = "%m/%d/%Y", **cells) -> set[tuple[str, str]]:
    record = normalise_record(RawIdentifiers(**cells), dob_format, today=TODAY)
    return {(problem.kind, problem.field) for problem in record.problems}


def test_feature_names_are_the_linkage_schema_identifiers():
    # The default schema encodes every feature made; older schemas a subset, whose order in
    # FEATURE_NAMES is theirs (new features are appended).
    for path in sorted(SCHEMAS.glob("linkage-v*.json")):
        identifiers = tuple(feature["identifier"] for feature in json.loads(path.read_text())["features"])
        assert set(identifiers) <= set(FEATURE_NAMES), path.name
    current = json.loads((SCHEMAS / f"{CURRENT_SCHEMA_ID}.json").read_text())
    assert {feature["identifier"] for feature in current["features"]} == set(FEATURE_NAMES)
    v1 = json.loads((SCHEMAS / "linkage-v1.json").read_text())
    assert FEATURE_NAMES[:len(v1["features"])] == tuple(f["identifier"] for f in v1["features"])


def test_a_complete_record_gives_every_feature_in_schema_order():
    record = normalise_record(
        RawIdentifiers(first_name="Ann", middle_name="Marie", last_name="Lee",
                       dob="03/07/2009", sex="F", address="123 North Charles Street",
                       city="Baltimore", zip="21201"), "%m/%d/%Y", today=TODAY)
    assert record.features == ("ANN", "LEE", "ANN LEE", "M", "2009", "03", "07", "03 07",
                               "F", "123 N CHARLES ST", "BALTIMORE", "21201", "ANN LEE")
    assert record.problems == ()


def test_missing_identifiers_are_empty_strings():
    record = normalise_record(RawIdentifiers(first_name="Ann", last_name="Lee"), "%m/%d/%Y")
    assert record.features[3:12] == ("",) * 9
    assert record.problems == ()


def test_swapped_given_and_family_names_give_the_same_order_free_features():
    recorded = features(first_name="Mike", middle_name="J", last_name="Garcia Lopez")
    swapped = features(first_name="Garcia", middle_name="J", last_name="Michael")
    assert recorded["given_or_family"] == swapped["given_or_family"] == "GARCIA MICHAEL"
    assert features(first_name="Ann", last_name="Lee")["name_tokens"] == \
        features(first_name="Lee", last_name="Ann")["name_tokens"] == "ANN LEE"
    assert (recorded["given_name"], swapped["given_name"]) == ("MICHAEL", "GARCIA")


def test_the_order_free_name_pair_needs_both_names():
    assert features(first_name="Ann")["given_or_family"] == ""
    assert features(last_name="Lee")["given_or_family"] == ""


# Names

@pytest.mark.parametrize(("raw", "expected"), [
    ("José", "JOSE"), ("Zoë", "ZOE"), ("Björn", "BJORN"), ("Seán", "SEAN"),
    ("Łukasz", "LUKASZ"), ("Æsa", "AESA"), ("Søren", "SOREN"), ("Straße", "STRASSE"),
    ("Đorđe", "DORDE"), ("  ann  ", "ANN"),
])
def test_accents_and_special_letters_fold_to_ascii(raw, expected):
    assert features(first_name=raw, last_name="Lee")["given_name"] == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("O'Brien", "OBRIEN"), ("O’Brien", "OBRIEN"), ("D'Angelo", "DANGELO"),
    ("Smith-Jones", "SMITH JONES"), ("St. John", "STJOHN"), ("Saint John", "STJOHN"),
    ("Smith   Jones", "SMITH JONES"), ("Smith–Jones", "SMITH JONES"),
])
def test_punctuation_apostrophes_go_hyphens_and_periods_split(raw, expected):
    result = features(first_name="Ann", last_name=raw)
    assert result["family_name"] == expected.split()[0]
    assert set(expected.split()) <= set(result["name_tokens"].split())


@pytest.mark.parametrize("raw", ["De La Cruz", "Dela Cruz", "DeLaCruz", "de la cruz",
                                 "De-La-Cruz"])
def test_surname_particles_are_glued_so_spacing_variants_agree(raw):
    assert features(first_name="Juan", last_name=raw)["family_name"] == "DELACRUZ"


@pytest.mark.parametrize("raw", ["McDonald", "Mc Donald", "Mc. Donald"])
def test_mc_prefix_spacing_variants_agree(raw):
    assert features(first_name="Ann", last_name=raw)["family_name"] == "MCDONALD"


@pytest.mark.parametrize(("raw", "expected"), [
    ("García López", "GARCIA LOPEZ"), ("Garcia-Lopez", "GARCIA LOPEZ"),
    ("Garcia y Lopez", "GARCIA LOPEZ"), ("Garcia", "GARCIA"),
])
def test_compound_surnames_keep_every_part(raw, expected):
    """Every part stays in name_tokens; family_name is the first (paternal) part, which the
    full, hyphenated and first-part-only forms of a compound surname share."""
    result = features(first_name="Maria", last_name=raw)
    assert result["name_tokens"] == " ".join(sorted(expected.split() + ["MARIA"]))
    assert result["family_name"] == expected.split()[0]


def test_compound_surname_variants_share_the_family_tokens():
    token_sets = [set(features(first_name="Maria", last_name=raw)["name_tokens"].split())
                  for raw in ("García López", "Garcia-Lopez", "Garcia")]
    assert token_sets[0] == token_sets[1]
    assert token_sets[2] < token_sets[0]


@pytest.mark.parametrize(("raw", "expected"), [
    ("Smith Jr", "SMITH"), ("Smith Jr.", "SMITH"), ("Smith, Sr.", "SMITH"),
    ("Smith III", "SMITH"), ("Smith IV", "SMITH"), ("Smith V", "SMITH"), ("Smith 2nd", "SMITH"),
    ("Jr", "JR"),
])
def test_suffixes_are_dropped_but_never_empty_the_name(raw, expected):
    result = features(first_name="John", last_name=raw)
    assert result["family_name"] == expected
    assert problems(first_name="John", last_name=raw) == set()


def test_titles_are_dropped_from_the_given_name():
    assert features(first_name="Dr. Ann", last_name="Lee")["given_name"] == "ANN"
    assert features(first_name="Mr", last_name="Lee")["given_name"] == "MR"


def test_swapped_name_columns_give_identical_name_tokens():
    straight = features(first_name="María", last_name="García-López")
    swapped = features(first_name="Garcia Lopez", last_name="Maria")
    assert straight["name_tokens"] == swapped["name_tokens"] == "GARCIA LOPEZ MARIA"
    assert (features(first_name="Juan", last_name="De La Cruz Jr")["name_tokens"]
            == features(first_name="de la Cruz", last_name="Juan")["name_tokens"])


def test_second_given_name_is_a_name_token_and_the_middle_initial():
    result = features(first_name="Mary Kate", last_name="Lee")
    assert result["given_name"] == "MARY"
    assert result["middle_initial"] == "K"
    assert result["name_tokens"] == "KATE LEE MARY"
    assert features(first_name="Mary Kate", middle_name="Ann", last_name="Lee")[
        "middle_initial"] == "A"


def test_middle_name_column_is_not_a_name_token():
    result = features(first_name="Ann", middle_name="Marie", last_name="Lee")
    assert result["name_tokens"] == "ANN LEE"
    assert result["middle_initial"] == "M"


@pytest.mark.parametrize(("full_name", "given", "family", "middle"), [
    ("Smith, John Michael", "JOHN", "SMITH", "M"),
    ("Smith Jr., John", "JOHN", "SMITH", ""),
    ("Smith, John A., Jr.", "JOHN", "SMITH", "A"),
    ("García López, María José", "MARIA", "GARCIA", "J"),
    ("de la Cruz, Juan", "JUAN", "DELACRUZ", ""),
    ("John Michael Smith", "JOHN", "SMITH", "M"),
    ("Dr. John A. Smith Jr.", "JOHN", "SMITH", "A"),
    ("John Smith, Jr.", "JOHN", "SMITH", ""),
    ("John Smith III", "JOHN", "SMITH", ""),
    ("Juan de la Cruz", "JUAN", "DELACRUZ", ""),
    ("Maria Garcia Lopez", "MARIA", "LOPEZ", "G"),
    ('Robert "Bob" Johnson', "ROBERT", "JOHNSON", ""),
    ("King Smith", "KING", "SMITH", ""),
    ("Van Nguyen", "VAN", "NGUYEN", ""),
    ("Madonna", "MADONNA", "", ""),
])
def test_full_name_in_both_forms(full_name, given, family, middle):
    result = features(full_name=full_name)
    assert (result["given_name"], result["family_name"], result["middle_initial"]) == (
        given, family, middle)


def test_full_name_tokens_keep_both_surnames_in_either_form():
    separate = features(first_name="María", last_name="García López")["name_tokens"]
    assert features(full_name="Maria Garcia Lopez")["name_tokens"] == separate
    assert features(full_name="Garcia Lopez, Maria")["name_tokens"] == separate
    assert features(full_name="MARIA GARCIA-LOPEZ")["name_tokens"] == separate


@pytest.mark.parametrize("cells", [
    {"first_name": "Garcia Lopez, Maria", "last_name": ""},
    {"first_name": None, "last_name": "GARCIA LOPEZ, MARIA"},
])
def test_a_whole_last_first_name_in_one_name_column_reads_as_both(cells):
    """Data entry puts "Last, First" into one field and leaves the other empty: the record
    then agrees with the same youth's record whose names are in their own columns."""
    assert features(**cells) == features(first_name="María", last_name="García López")
    field_name = "first_name" if cells["first_name"] else "last_name"
    assert problems(**cells) == {("whole_name_in_one_column", field_name)}
    # without a comma the cell is one name part (a two-word given name, "Mary Jo")
    assert features(first_name="Mary Jo", last_name="")["family_name"] == ""


def test_separate_name_columns_win_over_a_full_name():
    result = features(first_name="Ann", last_name="Lee", full_name="Someone Else")
    assert result["name_tokens"] == "ANN LEE"


def test_digits_are_dropped_and_reported():
    assert features(first_name="John2", last_name="Smith")["given_name"] == "JOHN"
    assert problems(first_name="John2", last_name="Smith") == {("name_has_digits", "first_name")}


@pytest.mark.parametrize(("cells", "expected"), [
    ({}, {("missing_name", "name")}),
    ({"first_name": "Ann"}, {("missing_name", "last_name")}),
    ({"last_name": "Lee", "first_name": "  "}, {("missing_name", "first_name")}),
    ({"full_name": " , "}, {("missing_name", "full_name")}),
    ({"first_name": "Иван", "last_name": "Lee"},
     {("unsupported_script", "first_name"), ("missing_name", "first_name")}),
])
def test_missing_names_are_reported_by_column(cells, expected):
    assert problems(**cells) == expected


# Dates of birth

@pytest.mark.parametrize(("raw", "dob_format"), [
    ("03/07/2009", "%m/%d/%Y"), ("3/7/2009", "%m/%d/%Y"), (" 03/07/2009 ", "%m/%d/%Y"),
    ("03/07/2009 00:00:00", "%m/%d/%Y"), ("2009-03-07T00:00", "%Y-%m-%d"),
    ("3/7/2009 12:00 AM", "%m/%d/%Y"), ("07.03.2009", "%d.%m.%Y"), ("20090307", "%Y%m%d"),
    ("2009-03-07", None), (20090307, "%Y%m%d"),
    (date(2009, 3, 7), "%m/%d/%Y"), (datetime(2009, 3, 7, 0, 0), "%m/%d/%Y"),
    (pandas.Timestamp("2009-03-07"), "%m/%d/%Y"),
])
def test_dates_parse_from_text_with_the_format_and_from_date_objects(raw, dob_format):
    result = features(dob_format, first_name="Ann", last_name="Lee", dob=raw)
    assert [result[name] for name in ("birth_year", "birth_month", "birth_day",
                                      "birth_day_month")] == ["2009", "03", "07", "03 07"]


def test_a_day_month_swap_keeps_birth_day_month():
    straight = features(first_name="Ann", last_name="Lee", dob="03/07/2009")
    swapped = features(first_name="Ann", last_name="Lee", dob="07/03/2009")
    assert straight["birth_day_month"] == swapped["birth_day_month"] == "03 07"
    assert straight["birth_month"] != swapped["birth_month"]


@pytest.mark.parametrize(("raw", "kind"), [
    ("13/45/2009", "unparseable_date"), ("yesterday", "unparseable_date"),
    ("2009-03-07", "unparseable_date"), ("06/02/2025", "future_date"),
    (date(2030, 1, 1), "future_date"), ("01/01/1890", "implausible_date"),
])
def test_bad_dates_are_missing_and_reported(raw, kind):
    result = features(first_name="Ann", last_name="Lee", dob=raw)
    assert [result[name] for name in ("birth_year", "birth_month", "birth_day",
                                      "birth_day_month")] == ["", "", "", ""]
    assert problems(first_name="Ann", last_name="Lee", dob=raw) == {(kind, "dob")}


@pytest.mark.parametrize("raw", [None, "", "   ", float("nan"), pandas.NaT])
def test_a_missing_date_is_not_a_problem(raw):
    assert features(first_name="Ann", last_name="Lee", dob=raw)["birth_year"] == ""
    assert problems(first_name="Ann", last_name="Lee", dob=raw) == set()


def test_today_and_age_limits():
    assert features(first_name="A", last_name="B", dob="06/01/2025")["birth_year"] == "2025"
    assert features(first_name="A", last_name="B", dob="06/01/1905")["birth_year"] == "1905"
    assert features(first_name="A", last_name="B", dob="06/02/1904")["birth_year"] == "1904"
    assert features(first_name="A", last_name="B", dob="06/01/1904")["birth_year"] == ""


# Sex

@pytest.mark.parametrize(("raw", "expected"), [
    ("F", "F"), ("f", "F"), ("Female", "F"), ("GIRL", "F"), (" woman ", "F"),
    ("M", "M"), ("male", "M"), ("Boy", "M"), ("M.", "M"),
    ("Femenino", "F"), ("Niña", "F"), ("MUJER", "F"), ("Masculino", "M"), ("niño", "M"),
    ("Varón", "M"),
    ("U", ""), ("Unknown", ""), ("X", ""), ("Non-binary", ""), (None, ""), ("", ""),
])
def test_unambiguous_sex_codes(raw, expected):
    assert features(first_name="A", last_name="B", sex=raw)["sex"] == expected
    assert problems(first_name="A", last_name="B", sex=raw) == set()


@pytest.mark.parametrize("raw", ["1", "2", "0", 1.0, "W", "Q", "FM"])
def test_ambiguous_or_unknown_sex_codes_are_reported(raw):
    assert features(first_name="A", last_name="B", sex=raw)["sex"] == ""
    assert problems(first_name="A", last_name="B", sex=raw) == {("unknown_sex_code", "sex")}


# Address, city, ZIP

@pytest.mark.parametrize(("raw", "expected"), [
    ("123 North Charles Street", "123 N CHARLES ST"),
    ("123 N. Charles St.", "123 N CHARLES ST"),
    ("45 Park Avenue, Apt. 4B", "45 PARK AVE APT 4B"),
    ("45 Park Ave Unit 4B", "45 PARK AVE APT 4B"),
    ("45 Park Ave #4B", "45 PARK AVE APT 4B"),
    ("45 Park Ave Apt #4B", "45 PARK AVE APT 4B"),
    ("9 Saint Paul Place", "9 ST PAUL PL"),
    ("1 Rue de l'Église Boulevard", "1 RUE DE LEGLISE BLVD"),
    ("7 Oak Lane Southwest", "7 OAK LN SW"),
])
def test_street_addresses_use_usps_abbreviations(raw, expected):
    assert features(first_name="A", last_name="B", address=raw)["street"] == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("Baltimore", "BALTIMORE"), ("  baltimore   city ", "BALTIMORE CITY"),
    ("St. Louis", "ST LOUIS"), ("Saint Louis", "ST LOUIS"), ("Peña Blanca", "PENA BLANCA"),
])
def test_cities(raw, expected):
    assert features(first_name="A", last_name="B", city=raw)["city"] == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("21201", "21201"), ("21201-1234", "21201"), ("212011234", "21201"), (" 21201 ", "21201"),
    (21201, "21201"), (21201.0, "21201"), ("21201.0", "21201"), ("02134", "02134"),
    (None, ""),
])
def test_zip_codes_keep_five_digits(raw, expected):
    assert features(first_name="A", last_name="B", zip=raw)["zip"] == expected
    assert problems(first_name="A", last_name="B", zip=raw) == set()


@pytest.mark.parametrize("raw", ["2134", 2134, "2134-5678", 2134.0])
def test_a_lost_leading_zero_is_restored_only_with_zip_pad(raw):
    padded = normalise_record(RawIdentifiers(first_name="A", last_name="B", zip=raw), None,
                              today=TODAY, zip_pad=True)
    assert padded.features[FEATURE_NAMES.index("zip")] == "02134" and not padded.problems
    assert features(first_name="A", last_name="B", zip=raw)["zip"] == ""
    assert problems(first_name="A", last_name="B", zip=raw) == {("bad_zip", "zip")}


@pytest.mark.parametrize("raw", ["212", "MD 21201", "ABCDE", "123456", "00000", "2121",
                                 "2120112345"])
def test_bad_zip_codes_are_missing_and_reported(raw):
    assert features(first_name="A", last_name="B", zip=raw)["zip"] == ""
    assert problems(first_name="A", last_name="B", zip=raw) == {("bad_zip", "zip")}


# Invariants

def test_problems_never_carry_the_raw_value():
    raw = RawIdentifiers(first_name="Zeke9", last_name="Ωμέγα", dob="31/31/2009",
                         sex="Q-7", zip="ZZ999", full_name=None)
    record = normalise_record(raw, "%m/%d/%Y", today=TODAY)
    assert {problem.kind for problem in record.problems} == {
        "name_has_digits", "unsupported_script", "missing_name", "unparseable_date",
        "unknown_sex_code", "bad_zip"}
    assert {field.name for field in fields(RecordProblem)} == {"kind", "field"}
    identifier_names = {field.name for field in fields(RawIdentifiers)} | {"name"}
    for problem in record.problems:
        assert problem.field in identifier_names
        text = f"{problem!r} {problem.kind} {problem.field}".upper()
        for value in ("ZEKE", "ΩΜ", "MEGA", "31/31", "Q-7", "ZZ999"):
            assert value not in text


def test_every_feature_is_upper_case_ascii():
    record = normalise_record(
        RawIdentifiers(first_name="ñandú", middle_name="ömer", last_name="o'connor-ßmith",
                       dob="01/02/2010", sex="female", address="12 rue d'été",
                       city="québec", zip="21201"), "%m/%d/%Y", today=TODAY)
    for value in record.features:
        assert value.isascii()
        assert value == value.upper()
        assert value == " ".join(value.split())


@pytest.mark.parametrize(("cells", "field_name"), [
    ({"first_name": "UNKNOWN", "last_name": "Lee"}, "first_name"),
    ({"first_name": "Fnu", "last_name": "Lee"}, "first_name"),
    ({"first_name": "Baby Girl", "last_name": "Lee"}, "first_name"),
    ({"first_name": "Ann", "last_name": "n/a"}, "last_name"),
    ({"full_name": "Unknown"}, "full_name"),
])
def test_placeholder_names_are_missing_and_reported(cells, field_name):
    """Kept, every UNKNOWN would share a name token with every other."""
    assert ("placeholder_name", field_name) in problems(**cells)
    assert ("missing_name", field_name) in problems(**cells)
    assert "UNKNOWN" not in features(**cells)["name_tokens"]


def test_a_placeholder_only_counts_as_the_whole_part():
    assert features(first_name="Ann", last_name="Na")["name_tokens"] == "ANN NA"  # a surname
    assert features(first_name="Ann Unknown", last_name="Lee")["name_tokens"] == "ANN LEE UNKNOWN"
    assert features(first_name="Ann", middle_name="NMN", last_name="Lee")["middle_initial"] == ""


@pytest.mark.parametrize(("cell", "expected"), [
    ("12 Oak Lane, Apt 2, Baltimore, MD 21218-1234", ("12 Oak Lane, Apt 2", "Baltimore", "21218-1234")),
    ("12 Oak Lane, Baltimore, Maryland 21218", ("12 Oak Lane", "Baltimore", "21218")),
    ("55 West St, Annapolis MD 21401", ("55 West St", "Annapolis", "21401")),
    ("9 Elm St, New York, New York 10001", ("9 Elm St", "New York", "10001")),
    ("12 Oak Lane Baltimore MD 21218", ("12 Oak Lane Baltimore", None, "21218")),  # no comma
    ("100 N Charles St, Suite 5", ("100 N Charles St, Suite 5", None, None)),  # a unit
    ("12 Oak Ln NE", ("12 Oak Ln NE", None, None)),  # a direction, not Nebraska
    ("12 Washington 21218", ("12 Washington", None, "21218")),  # a street, not the state
    ("12 Maryland Ave", ("12 Maryland Ave", None, None)),
])
def test_a_whole_address_is_split_into_street_city_and_zip(cell, expected):
    assert split_address(cell) == expected


def test_a_whole_address_agrees_with_the_same_address_in_columns():
    whole = features(first_name="Ana", last_name="Lee", address="12 Oak Lane, Baltimore, MD 21218")
    columns = features(first_name="Ana", last_name="Lee", address="12 Oak Lane", city="Baltimore",
                       zip="21218")
    assert {key: whole[key] for key in ("street", "city", "zip")} == \
        {key: columns[key] for key in ("street", "city", "zip")} == \
        {"street": "12 OAK LN", "city": "BALTIMORE", "zip": "21218"}
    # the partner's own ZIP column wins over one in the address
    assert features(address="12 Oak Lane, Baltimore, MD 21218", zip="21202")["zip"] == "21202"
