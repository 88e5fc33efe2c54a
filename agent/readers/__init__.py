"""Source readers: pick one by file type and check the configured columns exist."""

from __future__ import annotations

import pandas

from hublink.agent.config import AgentConfig
from hublink.agent.readers.csv import read_csv
from hublink.agent.readers.xlsx import read_xlsx
from hublink.shared.errors import SourceError

__all__ = ["read_source"]


def read_source(config: AgentConfig) -> pandas.DataFrame:
    """Given the configuration, returns the source's configured columns; raises SourceError
    when the file is missing, unreadable, of an unknown type, or lacks configured columns."""
    path = config.source_path
    if not path.is_file():
        raise SourceError(f"source file {path} does not exist")
    columns = config.source_columns
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        frame = read_csv(path, columns, config.encoding)
    elif suffix in (".xlsx", ".xlsm"):
        frame = read_xlsx(path, columns, config.sheet)
    else:
        raise SourceError(f"source file type {suffix!r} is not supported: use .csv or .xlsx")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise SourceError(f"{path.name} lacks {len(missing)} configured column(s)",
                          details=[f"column {name!r} not found" for name in missing])
    return frame.reset_index(drop=True)
