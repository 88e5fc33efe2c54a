"""Read a database source in chunks through SQLAlchemy: a table (or view) or a query.

Rows stream through a server-side cursor (``stream_results``), so memory is bounded by one chunk
whatever the table's size. The password comes from an environment variable named in the
configuration and is kept out of every message: messages name the database by its URL with
the password hidden, and any driver text that echoes it is scrubbed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pandas

from hublink.agent.readers.cells import require_columns, source_cell
from hublink.shared.errors import SourceError

__all__ = ["INSTALL_HINT", "iter_sql"]

INSTALL_HINT = 'install the database drivers: pip install "hublink[sql]"'
# The drivers the `sql` extra installs, used when a URL names only the database kind.
_SHIPPED_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql",
                    "mariadb": "mariadb+pymysql"}
_CONNECT_TIMEOUT_SECONDS = 30


def _sqlalchemy() -> Any:
    try:
        import sqlalchemy
    except ImportError:
        raise SourceError("a database source needs SQLAlchemy", details=[INSTALL_HINT]) from None
    return sqlalchemy


def _database_url(sqlalchemy: Any, url: str, password_env: str | None) -> Any:
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except sqlalchemy.exc.ArgumentError:
        raise SourceError("source.url is not a valid SQLAlchemy URL") from None
    parsed = parsed.set(drivername=_SHIPPED_DRIVERS.get(parsed.drivername, parsed.drivername))
    if password_env:
        password = os.environ.get(password_env)
        if password is None:
            raise SourceError(f"environment variable {password_env} (source.password_env) "
                              "is not set")
        parsed = parsed.set(password=password)
    return parsed


def _connect_arguments(url: Any) -> dict[str, Any]:
    if url.get_backend_name() in ("postgresql", "mysql", "mariadb") and (
            "connect_timeout" not in url.query):
        return {"connect_timeout": _CONNECT_TIMEOUT_SECONDS}
    return {}


def _reason(error: BaseException, password: str | None) -> str:
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    reason = lines[0] if lines else type(original).__name__
    return reason.replace(password, "***") if password else reason


def _table_statement(sqlalchemy: Any, connection: Any, table: str, columns: list[str],
                     source_name: str) -> Any:
    schema, _, name = table.rpartition(".")
    inspector = sqlalchemy.inspect(connection)
    try:
        available = [column["name"] for column in
                     inspector.get_columns(name, schema=schema or None)]
    except sqlalchemy.exc.NoSuchTableError:
        raise SourceError(f"the database has no table or view {table!r} (source.table)") from None
    require_columns(source_name, available, columns)
    return sqlalchemy.select(*[sqlalchemy.column(column) for column in columns]).select_from(
        sqlalchemy.table(name, schema=schema or None))


def iter_sql(url: str, columns: list[str], *, query: str | None = None,
             table: str | None = None, password_env: str | None = None,
             chunk_rows: int) -> Iterator[pandas.DataFrame]:
    """Given an SQLAlchemy URL, the configured columns, a query or a table, the name of the
    environment variable holding the password and a chunk size, yields frames of at most
    ``chunk_rows`` rows holding exactly those columns: text cells ("" when empty), date
    columns as dates; raises SourceError (never showing the password) when a driver is
    missing, the database cannot be reached, the query fails or a column is missing."""
    sqlalchemy = _sqlalchemy()
    database_url = _database_url(sqlalchemy, url, password_env)
    password = database_url.password
    shown = database_url.render_as_string(hide_password=True)
    source_name = f"database table {table}" if table else "database query"
    try:
        engine = sqlalchemy.create_engine(database_url,
                                          connect_args=_connect_arguments(database_url))
    except (ImportError, sqlalchemy.exc.NoSuchModuleError) as error:
        raise SourceError(f"no database driver for {database_url.drivername}: "
                          f"{_reason(error, password)}", details=[INSTALL_HINT]) from None
    try:
        try:
            connection = engine.connect()
        except sqlalchemy.exc.SQLAlchemyError as error:
            raise SourceError(f"cannot connect to the database {shown}: "
                              f"{_reason(error, password)}") from None
        with connection:
            try:
                statement = (_table_statement(sqlalchemy, connection, table, columns, source_name)
                             if table else sqlalchemy.text(query or ""))
                result = connection.execution_options(
                    stream_results=True, max_row_buffer=chunk_rows).execute(statement)
                names = list(result.keys())
                try:
                    require_columns(source_name, names, columns)
                except SourceError:
                    result.close()
                    raise
                positions = [names.index(column) for column in columns]
                for rows in result.partitions(chunk_rows):
                    yield pandas.DataFrame(
                        [[source_cell(row[position]) for position in positions] for row in rows],
                        columns=columns, dtype=object)
            except sqlalchemy.exc.SQLAlchemyError as error:
                raise SourceError(f"reading the {source_name} failed: "
                                  f"{_reason(error, password)}") from None
    finally:
        engine.dispose()
