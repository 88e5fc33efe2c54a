"""Source readers over every source kind: CSV dialects and encodings, .xlsx sheets, and
PostgreSQL and MariaDB tables and queries on the real servers of this machine."""

from __future__ import annotations

import csv
import shutil
import uuid
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas
import pytest

from hublink.agent.config import AgentConfig, load_config
from hublink.agent.readers import iter_source, read_source
from hublink.agent.readers.encoding import detect_encoding
from hublink.agent.settings_render import render_config
from hublink.shared.errors import ConfigError, SourceError

sqlalchemy = pytest.importorskip("sqlalchemy")

COLUMNS = ["ID", "FIRST", "LAST", "DOB", "PROGRAM"]
# Accented names that Windows-1252 can hold; cells with embedded delimiters, quotes and
# newlines; an empty cell; and a column (NOTE) that the configuration does not name.
ROWS = [
    {"ID": "1", "FIRST": "José", "LAST": "García López", "DOB": "03/07/2011",
     "PROGRAM": "Camp, Summer", "NOTE": "x"},
    {"ID": "2", "FIRST": "Zoë", "LAST": "O'Brien", "DOB": "11/21/2010",
     "PROGRAM": 'Art "Studio"\nNorth; East', "NOTE": ""},
    {"ID": "3", "FIRST": "Renée", "LAST": "Dubois-Ñúñez", "DOB": "",
     "PROGRAM": "Jobs | Work\tTab", "NOTE": "y"},
    {"ID": "4", "FIRST": "François", "LAST": "Çelik", "DOB": "01/02/2012", "PROGRAM": "",
     "NOTE": "z"},
    {"ID": "5", "FIRST": "Ana", "LAST": "Smith", "DOB": "12/31/2009", "PROGRAM": "Camp",
     "NOTE": ""},
]
EXPECTED = pandas.DataFrame([{column: row[column] for column in COLUMNS} for row in ROWS],
                            dtype=object)
PASSWORD = "s3cret-Pa55word!"
DATA = Path(__file__).parents[1] / "data"  # the .xls fixtures: tests/data/make_xls.py
DATABASE_URLS = {"postgresql": "postgresql://postgres@127.0.0.1:5432/test",
                 "mariadb": "mysql://root@127.0.0.1:3306/test"}


def config_for(tmp_path: Path, source: dict, attributes: dict | None = None,
               dob: str = "DOB") -> AgentConfig:
    """Returns a loaded configuration whose source section is ``source``."""
    path = tmp_path / "agent.toml"
    path.write_text(render_config({
        "coordinator": {"url": "http://127.0.0.1:9", "token_file": "partner.token"},
        "linkage": {"secret_file": "linkage.secret"},
        "source": {"record_key": "ID", **source},
        "identifiers": {"first_name": "FIRST", "last_name": "LAST", "dob": dob,
                        "dob_format": "%m/%d/%Y"},
        "attributes": attributes if attributes is not None else {"program": "PROGRAM"},
    }))
    return load_config(path)


def write_csv(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*COLUMNS, "NOTE"], delimiter=delimiter)
        writer.writeheader()
        writer.writerows(ROWS)
    return path


def write_xlsx(path: Path, sheet: str | None = None) -> Path:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    if sheet:
        worksheet.append(["something", "else"])
        worksheet = workbook.create_sheet(sheet)
    worksheet.append([*COLUMNS, "NOTE"])
    for row in ROWS:
        worksheet.append([row[column] or None for column in [*COLUMNS, "NOTE"]])
    worksheet.append([])  # blank rows left behind by formatting are not records
    worksheet.append([None, None])
    workbook.save(path)
    return path


_UNREACHABLE: dict[str, str | None] = {}


def _engine(url: str):
    from hublink.agent.readers.sql import _SHIPPED_DRIVERS
    parsed = sqlalchemy.engine.make_url(url)
    return sqlalchemy.create_engine(parsed.set(drivername=_SHIPPED_DRIVERS[parsed.drivername]),
                                    connect_args={"connect_timeout": 3})


def database_url(backend: str) -> str:
    """Returns the test database URL of ``backend``; skips the test, saying why, when its
    server cannot be reached."""
    url = DATABASE_URLS[backend]
    if backend not in _UNREACHABLE:
        _UNREACHABLE[backend] = None
        try:
            engine = _engine(url)
            with engine.connect():
                pass
            engine.dispose()
        except ImportError as error:
            _UNREACHABLE[backend] = f"{backend} driver missing ({error}): pip install 'hublink[sql]'"
        except sqlalchemy.exc.SQLAlchemyError as error:
            _UNREACHABLE[backend] = f"{backend} server at {url} is not reachable: {error.orig}"
    if _UNREACHABLE[backend]:
        pytest.skip(_UNREACHABLE[backend])
    return url


@pytest.fixture
def database_table():
    """Returns a function that creates a uniquely named table holding ROWS (plus a DATE
    column BORN) in a backend's database `test` and returns (url, name, quoted name);
    drops every table it created afterwards."""
    created = []

    def create(backend: str) -> tuple[str, str, str]:
        url = database_url(backend)
        engine = _engine(url)
        table = sqlalchemy.Table(
            f"hublink_readers_{uuid.uuid4().hex[:12]}", sqlalchemy.MetaData(),
            *[sqlalchemy.Column(column, sqlalchemy.String(100)) for column in [*COLUMNS, "NOTE"]],
            sqlalchemy.Column("BORN", sqlalchemy.Date))
        table.create(engine)
        created.append((engine, table))
        with engine.begin() as connection:
            connection.execute(table.insert(), [
                {**{key: value or None for key, value in row.items()},
                 "BORN": datetime.strptime(row["DOB"], "%m/%d/%Y").date() if row["DOB"] else None}
                for row in ROWS])
        return url, table.name, engine.dialect.identifier_preparer.quote(table.name)

    yield create
    for engine, table in created:
        table.drop(engine)
        engine.dispose()


def _file_source(tmp_path: Path, kind: str) -> dict:
    if kind == "csv-utf8":
        return {"path": write_csv(tmp_path / "s.csv").name}
    if kind == "csv-utf8-bom":
        return {"path": write_csv(tmp_path / "s.csv", encoding="utf-8-sig").name}
    if kind == "csv-cp1252":
        return {"path": write_csv(tmp_path / "s.csv", encoding="cp1252").name}
    if kind == "csv-cp1252-explicit":
        return {"path": write_csv(tmp_path / "s.csv", encoding="cp1252").name,
                "encoding": "cp1252"}
    if kind == "csv-utf16-tab":
        return {"path": write_csv(tmp_path / "s.txt", "\t", encoding="utf-16").name}
    if kind == "csv-semicolon":
        return {"path": write_csv(tmp_path / "s.csv", ";").name}
    if kind == "csv-tab":
        return {"path": write_csv(tmp_path / "s.tsv", "\t").name}
    if kind == "csv-pipe":
        return {"path": write_csv(tmp_path / "s.txt", "|", encoding="cp1252").name}
    if kind == "xlsx-first-sheet":
        return {"path": write_xlsx(tmp_path / "s.xlsx").name}
    if kind == "xlsx-named-sheet":
        return {"path": write_xlsx(tmp_path / "s.xlsx", "Enrolment 2025").name,
                "sheet": "Enrolment 2025"}
    if kind == "xls-first-sheet":  # legacy Excel files are fixtures: nothing installed writes them
        return {"path": shutil.copy(DATA / "readers.xls", tmp_path / "s.xls").name}
    if kind == "xls-named-sheet":
        return {"path": shutil.copy(DATA / "readers-sheets.xls", tmp_path / "s.xls").name,
                "sheet": "Enrolment 2025"}
    raise AssertionError(kind)


FILE_KINDS = ["csv-utf8", "csv-utf8-bom", "csv-cp1252", "csv-cp1252-explicit", "csv-utf16-tab",
              "csv-semicolon", "csv-tab", "csv-pipe", "xlsx-first-sheet", "xlsx-named-sheet",
              "xls-first-sheet", "xls-named-sheet"]
DATABASE_KINDS = [f"{backend}-{form}" for backend in DATABASE_URLS for form in ("table", "query")]


@pytest.fixture(params=FILE_KINDS + DATABASE_KINDS)
def source(request, tmp_path, database_table) -> dict:
    """Returns the source section of one source kind, its data being ROWS."""
    if request.param in FILE_KINDS:
        return _file_source(tmp_path, request.param)
    backend, form = request.param.split("-")
    url, name, quoted = database_table(backend)
    if form == "table":
        return {"url": url, "table": name}
    return {"url": url, "query": f"SELECT * FROM {quoted} ORDER BY 1"}


def _sorted(frame: pandas.DataFrame) -> pandas.DataFrame:
    return frame.sort_values("ID", key=lambda ids: ids.astype(int)).reset_index(drop=True)


def test_every_source_kind_reads_the_configured_columns_as_text(tmp_path, source):
    frame = read_source(config_for(tmp_path, source))
    assert list(frame.columns) == COLUMNS
    pandas.testing.assert_frame_equal(_sorted(frame), EXPECTED)


def test_chunked_iteration_equals_whole_reading(tmp_path, source):
    config = config_for(tmp_path, source)
    chunks = list(iter_source(config, chunk_rows=2))
    assert [start for start, _ in chunks] == [0, 2, 4]
    assert [len(chunk) for _, chunk in chunks] == [2, 2, 1]
    assert all(list(chunk.index) == list(range(start, start + len(chunk)))
               for start, chunk in chunks)
    whole = pandas.concat([chunk for _, chunk in chunks], ignore_index=True)
    pandas.testing.assert_frame_equal(whole, read_source(config))


def test_missing_columns_are_all_reported_before_any_row(tmp_path, source):
    config = config_for(tmp_path, source, attributes={"program": "PROGRAMME", "school": "SCHOOL"})
    with pytest.raises(SourceError) as caught:
        next(iter_source(config))
    assert "lacks 2 configured column(s)" in caught.value.message
    assert caught.value.details == ["column 'PROGRAMME' not found", "column 'SCHOOL' not found"]


def test_a_column_spelled_in_another_case_is_pointed_out(tmp_path):
    write_csv(tmp_path / "s.csv")
    config = config_for(tmp_path, {"path": "s.csv"}, attributes={"program": "Program"})
    with pytest.raises(SourceError) as caught:
        read_source(config)
    assert caught.value.details == ["column 'Program' not found (the source has 'PROGRAM': "
                                    "names must match exactly)"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_configured_column_named_twice_is_refused_not_guessed(tmp_path, suffix):
    """pandas would read the first of two PROGRAM columns and openpyxl's reader the first
    too; which one the partner meant is not known, so the run stops and says so."""
    header, row = ["ID", "FIRST", "LAST", "DOB", "PROGRAM", "", "PROGRAM"], \
        ["Y1", "Ana", "Lee", "08/12/2009", "Camp", "x", "Soccer"]
    path = tmp_path / f"s{suffix}"
    if suffix == ".csv":
        path.write_text(",".join(header) + "\n" + ",".join(row) + "\n")
    else:
        workbook = openpyxl.Workbook()
        workbook.active.append(header)
        workbook.active.append(row)
        workbook.save(path)
    with pytest.raises(SourceError) as caught:
        read_source(config_for(tmp_path, {"path": path.name}))
    assert "names 1 configured column(s) more than once" in caught.value.message
    assert caught.value.details == ["rename one of the columns 'PROGRAM'"]
    frame = read_source(config_for(tmp_path, {"path": path.name}, attributes={}))
    assert frame.to_dict("records") == [{"ID": "Y1", "FIRST": "Ana", "LAST": "Lee",
                                         "DOB": "08/12/2009"}]


def test_default_chunk_size_comes_from_the_configuration(tmp_path):
    write_csv(tmp_path / "s.csv")
    config = config_for(tmp_path, {"path": "s.csv", "chunk_rows": 3})
    assert config.chunk_rows == 3
    assert [start for start, _ in iter_source(config)] == [0, 3]


@pytest.mark.parametrize("backend", DATABASE_URLS)
def test_database_date_columns_stay_dates(tmp_path, database_table, backend):
    url, name, _ = database_table(backend)
    frame = read_source(config_for(tmp_path, {"url": url, "table": name}, dob="BORN"))
    born = _sorted(frame)["BORN"].tolist()
    assert born[:2] == [date(2011, 3, 7), date(2010, 11, 21)]
    assert born[2] == ""


TYPED_ROWS = [
    {"ID": "1001", "FIRST": "Ana", "LAST": "Smith", "DOB": datetime(2011, 3, 7),
     "PROGRAM": "21201"},
    {"ID": "1002", "FIRST": "Bo", "LAST": "", "DOB": "03/08/2011", "PROGRAM": "2.5"}]


def _typed_xlsx(tmp_path: Path) -> str:
    workbook = openpyxl.Workbook()
    workbook.active.append(COLUMNS)
    workbook.active.append([1001, "Ana", "Smith", datetime(2011, 3, 7), 21201.0])
    workbook.active.append([1002, "Bo", None, "03/08/2011", 2.5])
    workbook.save(tmp_path / "s.xlsx")
    return "s.xlsx"


@pytest.mark.parametrize("workbook", ["xlsx", "typed.xls", "typed-1904.xls"])
def test_workbook_date_cells_stay_dates_and_numbers_become_text(tmp_path, workbook):
    """An .xls file counts its dates from 1900 or, as old Macintosh Excel saved them, from
    1904; read with the wrong system every date of birth would move by four years."""
    name = (_typed_xlsx(tmp_path) if workbook == "xlsx"
            else shutil.copy(DATA / workbook, tmp_path / "s.xls").name)
    assert read_source(config_for(tmp_path, {"path": name})).to_dict("records") == TYPED_ROWS


@pytest.mark.parametrize("suffix", [".xls", ".xlsx"])
def test_a_file_that_is_not_the_workbook_its_name_says_is_refused(tmp_path, suffix):
    (tmp_path / f"s{suffix}").write_text("ID,FIRST\n1,Ana\n")
    with pytest.raises(SourceError, match=f"cannot be read as \\{suffix}"):
        read_source(config_for(tmp_path, {"path": f"s{suffix}"}))


def test_a_missing_sheet_is_reported_with_the_sheets_there_are(tmp_path):
    write_xlsx(tmp_path / "s.xlsx", "Enrolment")
    with pytest.raises(SourceError) as caught:
        read_source(config_for(tmp_path, {"path": "s.xlsx", "sheet": "Students"}))
    assert caught.value.message == "s.xlsx has no sheet 'Students'"
    assert caught.value.details == ["its sheets: Sheet, Enrolment"]
    shutil.copy(DATA / "readers-sheets.xls", tmp_path / "s.xls")
    with pytest.raises(SourceError) as caught:
        read_source(config_for(tmp_path, {"path": "s.xls", "sheet": "Students"}))
    assert caught.value.message == "s.xls has no sheet 'Students'"
    assert caught.value.details == ["its sheets: Read me, Enrolment 2025"]


@pytest.mark.parametrize(("content", "expected"), [
    (b"ID,NAME\r\n1,Jose\r\n", "utf-8"),
    ("ID,NAME\n1,José\n".encode("utf-8"), "utf-8"),
    ("ID,NAME\n1,José\n".encode("utf-8-sig"), "utf-8-sig"),
    ("ID\tNAME\n1,José\n".encode("utf-16"), "utf-16"),
    ("ID,NAME\n1,José\n".encode("cp1252"), "cp1252"),
    (b"ID,NAME\n" + b"1,Jones\n" * 300_000 + "2,Müller\n".encode("cp1252"), "cp1252"),
], ids=["ascii", "utf-8", "utf-8-bom", "utf-16", "cp1252", "cp1252-after-megabytes"])
def test_encoding_detection(tmp_path, content, expected):
    path = tmp_path / "s.csv"
    path.write_bytes(content)
    assert detect_encoding(path) == expected


def test_an_explicit_encoding_is_honoured(tmp_path):
    write_csv(tmp_path / "s.csv", encoding="cp1252")
    frame = read_source(config_for(tmp_path, {"path": "s.csv", "encoding": "latin-1"}))
    assert frame["FIRST"].tolist()[0] == "José"
    with pytest.raises(SourceError, match="s.csv is not valid utf-8: set source.encoding"):
        read_source(config_for(tmp_path, {"path": "s.csv", "encoding": "utf-8"}))


def test_a_file_that_is_neither_utf8_nor_windows_1252_is_reported(tmp_path):
    (tmp_path / "s.csv").write_bytes(b"ID,FIRST,LAST,DOB,PROGRAM\n1,A\x81,B,,\n")
    with pytest.raises(SourceError, match="neither UTF-8 nor Windows-1252"):
        read_source(config_for(tmp_path, {"path": "s.csv"}))


@pytest.mark.parametrize(("content", "message"), [
    (b"", "s.csv is empty"),
    (b'ID,FIRST,LAST,DOB,PROGRAM\n1,"A,B,,\n', "s.csv cannot be read as CSV"),
])
def test_malformed_csv_is_a_source_error(tmp_path, content, message):
    (tmp_path / "s.csv").write_bytes(content)
    with pytest.raises(SourceError, match=message):
        read_source(config_for(tmp_path, {"path": "s.csv"}))


def test_extra_fields_never_shift_the_columns(tmp_path):
    (tmp_path / "s.csv").write_text("ID,FIRST,LAST,DOB,PROGRAM\n1,A,B,,,,,\n2,C\n")
    frame = read_source(config_for(tmp_path, {"path": "s.csv"}))
    assert frame.to_dict("records") == [
        {"ID": "1", "FIRST": "A", "LAST": "B", "DOB": "", "PROGRAM": ""},
        {"ID": "2", "FIRST": "C", "LAST": "", "DOB": "", "PROGRAM": ""}]


def test_a_header_only_file_reads_as_no_rows(tmp_path):
    (tmp_path / "s.csv").write_text("ID,FIRST,LAST,DOB,PROGRAM\n")
    frame = read_source(config_for(tmp_path, {"path": "s.csv"}))
    assert list(frame.columns) == COLUMNS and frame.empty
    assert list(iter_source(config_for(tmp_path, {"path": "s.csv"}))) == []


@pytest.mark.parametrize(("name", "message"), [
    ("absent.csv", "does not exist"), ("s.json", "'.json' is not supported")])
def test_missing_or_unknown_files_are_source_errors(tmp_path, name, message):
    (tmp_path / "s.json").write_text("{}")
    with pytest.raises(SourceError, match=message):
        read_source(config_for(tmp_path, {"path": name}))


def test_an_unreachable_database_is_a_clear_error_without_the_password(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBLINK_TEST_SOURCE_PASSWORD", PASSWORD)
    config = config_for(tmp_path, {"url": "postgresql://hublink@127.0.0.1:9/students",
                                   "password_env": "HUBLINK_TEST_SOURCE_PASSWORD",
                                   "table": "students"})
    with pytest.raises(SourceError) as caught:
        read_source(config)
    text = str(caught.value)
    assert text.startswith("cannot connect to the database postgresql+psycopg://hublink:***@"
                           "127.0.0.1:9/students: ")
    assert PASSWORD not in text and PASSWORD not in repr(caught.value.__context__ or "")


def test_a_refused_password_is_never_shown(tmp_path, monkeypatch):
    url = database_url("mariadb")
    monkeypatch.setenv("HUBLINK_TEST_SOURCE_PASSWORD", PASSWORD)
    config = config_for(tmp_path, {"url": url.replace("root@", "hublink_nobody@"),
                                   "password_env": "HUBLINK_TEST_SOURCE_PASSWORD",
                                   "query": "SELECT 1"})
    with pytest.raises(SourceError, match="cannot connect to the database") as caught:
        read_source(config)
    assert PASSWORD not in str(caught.value)


def test_the_password_variable_must_be_set(tmp_path, monkeypatch):
    monkeypatch.delenv("HUBLINK_TEST_SOURCE_PASSWORD", raising=False)
    config = config_for(tmp_path, {"url": "postgresql://hublink@127.0.0.1:9/students",
                                   "password_env": "HUBLINK_TEST_SOURCE_PASSWORD",
                                   "table": "students"})
    with pytest.raises(SourceError, match="HUBLINK_TEST_SOURCE_PASSWORD .* is not set"):
        read_source(config)


def test_a_missing_driver_fails_only_when_used_with_an_install_hint(tmp_path):
    config = config_for(tmp_path, {"url": "mssql+nodriver://sa@127.0.0.1/students",
                                   "table": "students"})
    with pytest.raises(SourceError) as caught:
        read_source(config)
    assert caught.value.message.startswith("no database driver for mssql+nodriver")
    assert caught.value.details == ['install the database drivers: pip install "hublink[sql]"']


@pytest.mark.parametrize("backend", DATABASE_URLS)
def test_a_missing_table_or_a_failing_query_is_a_source_error(tmp_path, backend):
    url = database_url(backend)
    with pytest.raises(SourceError, match="has no table or view 'hublink_no_such_table'"):
        read_source(config_for(tmp_path, {"url": url, "table": "hublink_no_such_table"}))
    with pytest.raises(SourceError, match="reading the database query failed: "):
        read_source(config_for(tmp_path, {"url": url, "query": "SELECT * FROM hublink_nothing"}))


@pytest.mark.parametrize(("source", "problems"), [
    ({}, ["source.path is required: "]),
    ({"path": "s.csv", "url": "postgresql://h@db/x", "table": "t"},
     ["source: use either path (a file) or url (a database), not both"]),
    ({"url": "postgresql://h@db/x"}, ["source.url needs source.query or source.table"]),
    ({"url": "postgresql://h@db/x", "query": "SELECT 1", "table": "t"},
     ["source: use either query or table, not both"]),
    ({"path": "s.csv", "query": "SELECT 1", "password_env": "P"},
     ["source.query is used only with source.url", "source.password_env is used only with "
      "source.url"]),
    ({"url": "students", "table": "t"}, ["source.url must be an SQLAlchemy URL"]),
    ({"path": "s.csv", "encoding": "klingon", "chunk_rows": 0},
     ["source.chunk_rows must be at least 1", "source.encoding 'klingon' is not a known encoding"]),
], ids=["neither-path-nor-url", "path-and-url", "url-alone", "query-and-table",
        "query-without-url", "url-not-a-url", "bad-encoding-and-chunk-rows"])
def test_source_configuration_problems_are_all_reported(tmp_path, source, problems):
    with pytest.raises(ConfigError) as caught:
        config_for(tmp_path, source)
    assert len(caught.value.details) == len(problems)
    for detail, problem in zip(caught.value.details, problems):
        assert detail.startswith(problem)


def test_a_database_source_needs_no_path_and_is_named_without_its_url(tmp_path):
    config = config_for(tmp_path, {"url": "postgresql://h@db/x", "table": "public.students"})
    assert config.source_path is None and config.source_table == "public.students"
    assert config.source_name == "database table public.students"
    assert config.encoding == "auto" and config.chunk_rows == 50_000


TITLE_LINES = [["Youth roster export"], ["Generated 2026-11-30 by SchoolMax"], []]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_lines_above_the_header_line_are_not_read(tmp_path, suffix):
    """A report export puts its title above the column names: with source.header_line the
    rows read are the same as without the title."""
    rows = [*TITLE_LINES, COLUMNS, *([row[column] for column in COLUMNS] for row in ROWS)]
    path = tmp_path / f"s{suffix}"
    if suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    else:
        workbook = openpyxl.Workbook()
        for row in rows:
            workbook.active.append(row)
        workbook.save(path)
    config = config_for(tmp_path, {"path": path.name, "header_line": 4})
    pandas.testing.assert_frame_equal(read_source(config).astype(object), EXPECTED,
                                      check_dtype=False)
    with pytest.raises(SourceError) as raised:
        read_source(config_for(tmp_path, {"path": path.name}))
    assert "line 1 does not name the configured columns; line 4 does" in str(raised.value)
    assert "set source.header_line = 4" in str(raised.value)


def test_blank_lines_keep_their_line_numbers_and_trailing_ones_are_dropped(tmp_path):
    (tmp_path / "s.csv").write_text("ID,FIRST,LAST,DOB,PROGRAM\n\n1,Ana,Lee,,\n\n2,Bo,Ray,,\n\n\n")
    for chunk_rows in (1, 2, 50):
        config = config_for(tmp_path, {"path": "s.csv", "chunk_rows": chunk_rows})
        assert read_source(config)["ID"].tolist() == ["", "1", "", "2"]
