"""``init --from FILE``: columns mapped and the date format detected from real partner files,
a configuration that loads, and a report naming what is left, never a sample value."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas
import pytest
from click.testing import CliRunner

from hublink.agent.cli import EXIT_OK, main
from hublink.agent.config import load_config
from hublink.agent.init_from import guess_config
from hublink.agent.normalise.dates import DateReader
from hublink.synthetic import generate_dataset
from hublink.synthetic.partner_specs import real_world_partners

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return generate_dataset(tmp_path_factory.mktemp("partners"), youth=300, seed=5)


def init_from(folder: Path, source: Path, *extra: str):
    config = folder / "hublink-agent.toml"
    result = CliRunner().invoke(main, ["init", str(config), "--from", str(source), *extra],
                                catch_exceptions=False)
    assert result.exit_code == EXIT_OK, result.output
    return config, result.output


def identifiers_of(config) -> dict:
    return {key: value for key, value in config.identifiers.items()}


@pytest.mark.parametrize("index", range(6))
def test_every_generated_partner_file_is_mapped_like_its_own_configuration(dataset, tmp_path,
                                                                          index):
    partner = dataset.partners[index]
    config_path, output = init_from(tmp_path, partner.path)
    config = load_config(config_path)
    assert config.record_key == partner.record_key
    expected = {key: value for key, value in partner.identifiers.items()}
    if isinstance(expected.get("address"), list) and len(expected["address"]) == 1:
        expected["address"] = expected["address"][0]
    # "auto" (the default) is left in place of the file's own format, and reads the file's
    # dates as that format does.
    declared = expected.pop("dob_format", "auto")
    assert identifiers_of(config) == {**expected, "dob_format": "auto"}
    frame = pandas.read_csv(partner.path, dtype=str, keep_default_na=False)
    cells = [cell for cell in frame[expected["dob"]] if cell.strip()]
    auto, own = DateReader(), DateReader(declared)
    auto.observe(cells)
    assert [auto.read(cell) for cell in cells] == [own.read(cell) for cell in cells]
    assert config.source_path == partner.path.resolve()
    assert "left to declare:" in output and "coordinator.url" in output


def test_the_tidy_student_file_gives_a_configuration_check_accepts(tmp_path):
    shutil.copy(DATA / "students.csv", tmp_path / "students.csv")
    config_path, output = init_from(tmp_path, tmp_path / "students.csv")
    text = config_path.read_text()
    assert 'path = "students.csv"' in text
    assert "# guessed from column(s) 'STU_FIRST_NM'" in text
    assert 'race_ethnicity = "RACE_ETHNICITY"' in text and 'program = "Program"' in text
    config = load_config(config_path)
    assert config.identifiers["address"] == ["STREET_NO", "STREET"]
    assert config.identifiers["dob_format"] == "auto"  # the default: not written active
    assert "dob_format =" not in text.replace('# dob_format = "auto"', "")
    assert "reads 7 of 8 sample dates: M/D/YYYY (7)" in output
    assert "1 of 8 sample dates in column 'BIRTH_DT' are in no form" in output
    for value in ("Aaliyah", "Johnson", "S0001", "03/07/2011", "Greenmount"):
        assert value not in output
    result = CliRunner().invoke(main, ["--config", str(config_path), "check"])
    assert result.exit_code == 1  # the file's deliberate problems, as with the hand-written one
    assert "8 rows, 5 records can be sent" in result.output
    assert "unparseable_date (dob): 1 rows: 4" in result.output


@pytest.mark.parametrize("dates, forms, ambiguous", [
    (["07/04/2010", "12/25/2011", "01/02/2009"], "M/D/YYYY (3)", True),
    (["04/07/2010", "25/12/2011", "01/02/2009"], "D/M/YYYY (3)", True),
    (["01/02/2010", "03/04/2011"], "M/D/YYYY (2)", True),
    (["2010-07-04", "2011-12-25"], "YYYY-MM-DD (2)", False),
    (["20100704", "20111225"], "YYYYMMDD (2)", False),
    (["04-Jul-2010", "25-Dec-2011"], "D-Mon-YYYY (2)", False),
    (["7/4/2010", "12/25/2011"], "M/D/YYYY (2)", True),
    (["2010-07-04", "12/25/2011", "04-Jul-2010", "20111225"],
     "YYYY-MM-DD (1), M/D/YYYY (1), D-Mon-YYYY (1), YYYYMMDD (1)", False),
])
def test_the_date_format_is_left_auto_and_the_sample_forms_are_reported(tmp_path, dates, forms,
                                                                          ambiguous):
    source = tmp_path / "youth.csv"
    pandas.DataFrame({"Youth ID": [f"Y{i}" for i in range(len(dates))],
                      "First Name": "A", "Last Name": "B", "Birthday": dates}).to_csv(
        source, index=False)
    guess = guess_config(source, config_folder=tmp_path)
    assert guess.values["identifiers.dob"] == "Birthday"
    assert "identifiers.dob_format" not in guess.values  # "auto", the default, reads them all
    report = " ".join(guess.guessed)
    assert f"reads {len(dates)} of {len(dates)} sample dates: {forms}" in report
    assert ("could be month or day first" in report) == ambiguous
    assert not any("dob_format" in line for line in guess.left)


def test_spreadsheet_date_cells_and_a_windows_1252_file(tmp_path):
    frame = pandas.read_csv(DATA / "students.csv", dtype=str, keep_default_na=False)
    frame["BIRTH_DT"] = pandas.to_datetime(frame["BIRTH_DT"], format="%m/%d/%Y", errors="coerce")
    frame.to_excel(tmp_path / "students.xlsx", index=False)
    guess = guess_config(tmp_path / "students.xlsx", config_folder=tmp_path)
    assert guess.values["identifiers.first_name"] == "STU_FIRST_NM"
    assert "reads 7 of 7 sample dates: spreadsheet date cell (7)" in " ".join(guess.guessed)
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes((DATA / "students.csv").read_text(encoding="utf-8").encode("cp1252"))
    assert guess_config(legacy, config_folder=tmp_path).values["source.record_key"] == "STUDENT_ID"


def test_a_file_without_names_or_key_says_what_is_left(tmp_path):
    source = tmp_path / "odd.csv"
    source.write_text("Colour,Shoe Size\nred,7\n")
    config_path, output = init_from(tmp_path, source)
    assert "source.record_key: no column looks like the record key" in output
    assert "no name column recognised" in output and "Colour, Shoe Size" in output
    assert "# record_key" in config_path.read_text()


def test_init_from_refuses_an_existing_configuration_and_a_missing_file(tmp_path):
    (tmp_path / "hublink-agent.toml").write_text("")
    taken = CliRunner().invoke(main, ["init", str(tmp_path / "hublink-agent.toml"), "--from",
                                      str(DATA / "students.csv")])
    assert taken.exit_code == 3
    missing = CliRunner().invoke(main, ["init", str(tmp_path / "new.toml"), "--from",
                                        str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    assert not (tmp_path / "new.toml").exists()


@pytest.fixture(scope="module")
def enrollment_files(tmp_path_factory):
    return generate_dataset(tmp_path_factory.mktemp("enrolling"), youth=300, seed=5,
                            partners=real_world_partners())


@pytest.mark.parametrize("index", range(6))
def test_a_file_of_enrollment_rows_is_declared_with_enrollments(enrollment_files, tmp_path,
                                                                index):
    """Real partner files hold one row per enrollment: the rows of a youth would otherwise be
    skipped as repeated keys, losing enrollments, so the guess declares [enrollments]."""
    partner = enrollment_files.partners[index]
    config_path, output = init_from(tmp_path, partner.path)
    config = load_config(config_path)
    if partner.enrollment_file:  # harbor's roster lists each youth once: its enrollments apart
        assert not config.enrollments and "enrollments guessed:" not in output
        result = CliRunner().invoke(main, ["--config", str(config_path), "check"])
        assert f"{partner.record_count} records can be sent" in result.output
        return
    expected = dict(partner.enrollments)
    assert config.identifiers["dob"] == partner.identifiers["dob"]  # westside's: three columns
    assert config.header_line == partner.header_line  # rec and parks': below a title
    assert config.sheet == (list(partner.sheets) or None)  # westside's: a sheet per site
    assert {name: expected[name] for name in ("site", "start")} == \
        {name: config.enrollments[name] for name in ("site", "start")}
    if "program" in config.enrollments:  # not every program column has a guessable name
        assert config.enrollments["program"] == expected["program"]
        assert "program" not in config.attributes
    assert "enrollments guessed:" in output
    result = CliRunner().invoke(main, ["--config", str(config_path), "check"])
    assert f"{partner.record_count} records with " in result.output
    assert "duplicate_record_key" not in result.output


@pytest.mark.parametrize(("rows", "left"), [
    # keys repeat with nothing differing: not enrollments, and said so
    ("Y1,Ana,Lee,08/12/2009,Camp,North,2026-06-01\nY2,Bo,Ray,01/05/2010,Camp,North,2026-06-01\n"
     "Y1,Ana,Lee,08/12/2009,Camp,North,2026-06-01\n",
     "1 of 3 sample rows repeat an earlier row's record key ('Youth ID') with no program, site "
     "or start column differing"),
    # no key repeats: a program is an attribute, site and start are not guessed
    ("Y1,Ana,Lee,08/12/2009,Camp,North,2026-06-01\nY2,Bo,Ray,01/05/2010,Soccer,East,2026-07-01\n",
     None),
])
def test_without_enrollment_rows_a_program_stays_an_attribute(tmp_path, rows, left):
    source = tmp_path / "youth.csv"
    source.write_text("Youth ID,First Name,Last Name,DOB,Program,Site,Start Date\n" + rows)
    guess = guess_config(source, config_folder=tmp_path)
    assert "enrollments" not in guess.values
    assert guess.values["attributes"] == {"program": "Program"}
    said = [line for line in guess.left if "record_key" in line]
    assert (any(left in line for line in said) if left else not said)


def test_a_roster_without_an_id_column_is_keyed_by_name_and_date_of_birth(tmp_path):
    """A community group's sign-up sheet has no ID: the name and date-of-birth columns are the
    record key, compared with case and spacing ignored, so a youth's second enrollment typed
    in capitals is the same record, and the rows per enrollment are found as with an ID."""
    source = tmp_path / "signups.csv"
    source.write_text("First Name,Last Name,DOB,Program,Site,Start Date\n"
                      "Ana,Lee,08/12/2009,Camp,North,2026-06-01\n"
                      "ANA,LEE ,08/12/2009,Soccer,East,2026-07-01\n"
                      "Bo,Ray,01/05/2010,Camp,North,2026-06-01\n"
                      "Cy,Ray,01/05/2010,Camp,North,2026-06-01\n")
    config_path, output = init_from(tmp_path, source)
    config = load_config(config_path)
    assert config.record_key == ["Last Name", "First Name", "DOB"]
    assert "no ID column: the name and date of birth identify a record" in output
    assert "record_key: no column looks like" not in output
    assert config.enrollments["program"] == "Program"
    result = CliRunner().invoke(main, ["--config", str(config_path), "check"])
    assert "3 records with 4 enrollments" in result.output, result.output
    assert "duplicate_record_key" not in result.output


def test_blank_and_repeated_column_names_are_passed_over_and_said(tmp_path):
    source = tmp_path / "export.csv"
    source.write_text("ID,First Name,Last Name,DOB,Phone,Phone,,Notes\n"
                      "1,Ana,Lee,2009-08-12,555,556,,\"two\nlines\"\n2,Bo,Ray,2010-01-05,,,,\n")
    config_path, output = init_from(tmp_path, source)
    config = load_config(config_path)
    assert (config.record_key, config.identifiers["dob"]) == ("ID", "DOB")
    assert ("columns named more than once on line 1, not read (rename one of each to use "
            "it): Phone") in output
    assert "columns not used (declare any that should travel as attributes, de-identified): "\
        "Notes" in output


def test_a_legacy_excel_roster_is_mapped_and_checked(tmp_path):
    """An .xls saved by an old Office: the data sheet after an instructions sheet, title lines
    above the header, date cells and numbers (tests/data/make_xls.py)."""
    source = shutil.copy(DATA / "roster.xls", tmp_path / "roster.xls")
    config_path, output = init_from(tmp_path, source)
    config = load_config(config_path)
    assert (config.sheet, config.header_line, config.record_key) == ("Roster", 4, "Youth ID")
    assert identifiers_of(config) == {
        "first_name": "First Name", "last_name": "Last Name", "dob": "Birth Date",
        "address": "Street Address", "zip": "Zip", "sex": "Gender", "dob_format": "auto"}
    assert "spreadsheet date cell (3)" in output, output
    result = CliRunner().invoke(main, ["--config", str(config_path), "check"])
    assert "3 rows, 3 records can be sent" in result.output, result.output
    assert "no problems found" in result.output


def test_a_file_too_poor_to_link_says_so(tmp_path):
    source = tmp_path / "names.csv"
    source.write_text("Youth ID,First Name,Last Name,ZIP\nY1,Ana,Lee,21218\n")
    config_path, output = init_from(tmp_path, source)
    assert ("1 of a name, a whole date of birth, a street address recognised; a row is linked "
            "only with 2 of them") in " ".join(output.split())
    result = CliRunner().invoke(main, ["--config", str(config_path), "check"])
    assert "0 records can be sent" in result.output
    assert "too_few_identifiers: 1 rows: 2" in result.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_title_lines_above_the_header_are_found_and_skipped(tmp_path, suffix):
    """A report export: a title, an export date and a blank line above the column names, a
    blank row and a total line below the data."""
    rows = [["Youth Roster Export"], ["Generated 2026-11-30"], [],
            ["Youth ID", "First Name", "Last Name", "DOB", "ZIP"],
            ["Y1", "Ana", "Lee", "08/12/2009", "21218"], ["Y2", "Bo", "Ray", "01/05/2010", "21202"],
            [], ["Total: 2"]]
    source = tmp_path / f"roster{suffix}"
    if suffix == ".csv":
        source.write_text("\n".join(",".join(row) for row in rows) + "\n")
    else:
        frame = pandas.DataFrame(rows)
        frame.to_excel(source, index=False, header=False)
    config_path, output = init_from(tmp_path, source)
    assert "source.header_line = 4 (the 3 lines above the column names are not read)" in output
    config = load_config(config_path)
    assert config.header_line == 4 and config.record_key == "Youth ID"
    assert config.identifiers["dob"] == "DOB"
    result = CliRunner().invoke(main, ["--config", str(config_path), "check"])
    assert "2 records can be sent" in result.output
    assert "too_few_identifiers: 1 rows: 8" in result.output  # the total line, by file line


@pytest.mark.parametrize(("header", "expected"), [
    ("Client #,Child's Name,Birthdate,Street Address,Postal Code,Sex",
     {"source.record_key": "Client #", "identifiers.full_name": "Child's Name",
      "identifiers.dob": "Birthdate", "identifiers.address": "Street Address"}),
    ('Case Number,"Name (Last, First)",Date of Birth (MM/DD/YYYY),Addr,Zip',
     {"source.record_key": "Case Number", "identifiers.full_name": "Name (Last, First)",
      "identifiers.dob": "Date of Birth (MM/DD/YYYY)", "identifiers.zip": "Zip"}),
    ("MRN,PT_LNAME,PT_FNAME,PT_DOB,PT_ADDR,PT_ZIP,PT_SEX",
     {"source.record_key": "MRN", "identifiers.first_name": "PT_FNAME",
      "identifiers.last_name": "PT_LNAME", "identifiers.dob": "PT_DOB",
      "identifiers.address": "PT_ADDR", "identifiers.sex": "PT_SEX"}),
    # Spanish headers, accents and all; "Nombre" beside "Apellidos" is the given name
    ("Número de participante,Nombre,Apellidos,Fecha de nacimiento,Género,Dirección,"
     "Código postal,Raza/Etnia,Programa",
     {"source.record_key": "Número de participante", "identifiers.first_name": "Nombre",
      "identifiers.last_name": "Apellidos", "identifiers.dob": "Fecha de nacimiento",
      "identifiers.sex": "Género", "identifiers.address": "Dirección",
      "identifiers.zip": "Código postal"}),
    ("Matrícula,Nombre completo,Fecha de Nac.,Domicilio,Ciudad,Sexo",
     {"source.record_key": "Matrícula", "identifiers.full_name": "Nombre completo",
      "identifiers.dob": "Fecha de Nac.", "identifiers.address": "Domicilio",
      "identifiers.city": "Ciudad", "identifiers.sex": "Sexo"}),
    # a sign-up form's export: its questions are the column names
    ("Timestamp,Email Address,What is your first name?,What is your last name?,"
     "What is your child's date of birth?,Your home address,Your ZIP code *,Which program?",
     {"identifiers.first_name": "What is your first name?",
      "identifiers.last_name": "What is your last name?",
      "identifiers.dob": "What is your child's date of birth?",
      "identifiers.address": "Your home address", "identifiers.zip": "Your ZIP code *",
      "attributes": {"program": "Which program?"},
      "source.record_key": ["What is your last name?", "What is your first name?",
                            "What is your child's date of birth?"]}),
    ("¿Cuál es tu nombre?,¿Cuál es tu apellido?,¿Cuál es tu fecha de nacimiento?,Sexo,"
     "Dirección,Surname Note",
     {"identifiers.first_name": "¿Cuál es tu nombre?", "identifiers.dob":
      "¿Cuál es tu fecha de nacimiento?", "identifiers.last_name": "¿Cuál es tu apellido?"}),
    # the English counterpart: "Name" beside "Surname"
    ("ID,Name,Surname,DOB,Street,Zip,Sex",
     {"identifiers.first_name": "Name", "identifiers.last_name": "Surname"}),
])
def test_health_and_case_management_headers_are_recognised(tmp_path, header, expected):
    source = tmp_path / "export.csv"
    source.write_text(header + "\n" + ",".join(["x"] * 7) + "\n")
    values = guess_config(source, config_folder=tmp_path).values
    assert {key: values.get(key) for key in expected} == expected


def test_a_workbook_whose_data_is_not_on_the_first_sheet(tmp_path):
    import openpyxl
    workbook = openpyxl.Workbook()
    workbook.active.title = "Instructions"
    workbook.active.append(["Fill in one row per youth. Do not change the column names."])
    data = workbook.create_sheet("Roster")
    for row in (["Youth ID", "First Name", "Last Name", "DOB"], ["Y1", "Ana", "Lee", "08/12/2009"]):
        data.append(row)
    workbook.save(tmp_path / "roster.xlsx")
    config_path, output = init_from(tmp_path, tmp_path / "roster.xlsx")
    assert "source.sheet = 'Roster'" in output
    config = load_config(config_path)
    assert config.sheet == "Roster" and config.record_key == "Youth ID"
    result = CliRunner().invoke(main, ["--config", str(config_path), "check"])
    assert "1 records can be sent" in result.output
