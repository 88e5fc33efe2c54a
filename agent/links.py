"""``links``: fetch this partner's link IDs and map them back to local record keys."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from hublink.agent.config import AgentConfig
from hublink.agent.keys import load_or_create_pseudonym_key, pseudonymise
from hublink.agent.normalise.text import cell_text, record_keys_of
from hublink.agent.readers import iter_source
from hublink.agent.transport import CoordinatorClient, read_token
from hublink.shared.spreadsheet import safe_row

__all__ = ["LinksSummary", "fetch_links"]


@dataclass
class LinksSummary:
    """Counts from writing the link file."""

    written: int
    without_link: int
    distinct_link_ids: int
    match_run: str


def fetch_links(config: AgentConfig, out: Path) -> LinksSummary:
    """Given the configuration and an output path, writes ``record_key,link_id`` for every
    current source record that has a link ID (for a record key of several columns, those
    columns as the record's first row holds them, then ``link_id``) and returns counts; the
    file is replaced atomically."""
    client = CoordinatorClient(config.coordinator_url, read_token(config.token_file),
                               timeout=config.timeout,
                               retries=config.retries)
    document = client.links()
    by_pseudonym = {pseudonym: link_id for pseudonym, link_id in document["links"]}
    key = load_or_create_pseudonym_key(config.state_dir)
    columns = config.record_key_columns
    record_keys: dict[str, tuple[str, ...]] = {}  # record key -> its cells as first read
    for _, chunk in iter_source(config):
        keys = record_keys_of(chunk, columns)
        shown = (((key,) for key in keys) if len(columns) == 1 else
                 zip(*[[(cell_text(cell) or "").strip() for cell in chunk[column]]
                       for column in columns]))
        for record_key, cells in zip(keys, shown):
            if record_key is not None:
                record_keys.setdefault(record_key, tuple(cells))
    rows = []
    for record_key, shown in record_keys.items():
        link_id = by_pseudonym.get(pseudonymise(key, record_key))
        if link_id is not None:
            rows.append((*shown, link_id))
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".partial")
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(["record_key"] if len(columns) == 1 else columns), "link_id"])
        writer.writerows(safe_row(row) for row in rows)
    os.replace(temporary, out)
    return LinksSummary(written=len(rows), without_link=len(record_keys) - len(rows),
                        distinct_link_ids=len({row[-1] for row in rows}),
                        match_run=str(document.get("match_run", "")))
