"""What a generated data set is: the partner files, how to read them, and the truth."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

__all__ = ["RecordRef", "PartnerFile", "TruthRecord", "SyntheticDataset", "TRUTH_COLUMNS",
           "read_truth"]

RecordRef = tuple[str, str]  # (partner name, record key)
TRUTH_COLUMNS = ("partner", "record_key", "person_id", "race_ethnicity", "errors")


@dataclass(frozen=True)
class PartnerFile:
    """One partner's file (a CSV or a workbook) and how to read it, in the agent's configuration
    vocabulary.

    ``identifiers`` maps first_name, middle_name, last_name, full_name, dob, dob_format, sex,
    address (a list of columns), city and zip to column names (dob_format to the format);
    ``attributes`` maps attribute names such as race_ethnicity to column names;
    ``enrollments`` the agent's ``[enrollments]`` (empty: one row per record), when the file
    holds ``row_count`` rows of ``record_count`` records, in ``encoding``, its header on
    ``header_line`` (the agent's ``source.header_line``), in the workbook ``sheets`` when it
    is a workbook with several (the agent's ``source.sheet``), its enrollments in a file of
    their own when ``enrollment_file`` is set (the agent's ``[enrollment_file]``; ``row_count``
    then counts that file's rows).
    """

    name: str
    path: Path
    record_key: str
    identifiers: dict[str, str | list[str]]
    attributes: dict[str, str]
    record_count: int
    enrollments: dict[str, str | dict[str, str]] = field(default_factory=dict)
    row_count: int = 0
    encoding: str = "utf-8"
    header_line: int = 1
    sheets: tuple[str, ...] = ()
    enrollment_file: dict[str, str] = field(default_factory=dict)

    @property
    def source_options(self) -> dict[str, int | list[str]]:
        """Returns the agent's [source] settings this file needs beyond its path and key."""
        options: dict[str, int | list[str]] = {"sheet": list(self.sheets)} if self.sheets else {}
        return options | ({"header_line": self.header_line} if self.header_line > 1 else {})


@dataclass(frozen=True)
class TruthRecord:
    """Who one partner record really is, and which recording errors went into it."""

    partner: str
    record_key: str
    person_id: str
    race_ethnicity: str
    errors: tuple[str, ...] = ()


@dataclass
class SyntheticDataset:
    """The partner files of one generated data set and the truth about their records."""

    out_dir: Path
    partners: list[PartnerFile]  # in the order the partners were given
    truth_path: Path
    truth: dict[RecordRef, TruthRecord] = field(repr=False)

    def partner(self, name: str) -> PartnerFile:
        """Given a partner name, returns its file; raises KeyError when there is none."""
        for partner_file in self.partners:
            if partner_file.name == name:
                return partner_file
        raise KeyError(name)

    def person_of(self, partner: str, record_key: str) -> str:
        """Given a partner record, returns the person it belongs to; raises KeyError if unknown."""
        return self.truth[(partner, record_key)].person_id

    def race_ethnicity_of(self, partner: str, record_key: str) -> str:
        """Given a partner record, returns the true race/ethnicity group of its person."""
        return self.truth[(partner, record_key)].race_ethnicity

    def records_by_person(self) -> dict[str, list[RecordRef]]:
        """Returns, per person, the records of them across and within partners."""
        grouped: dict[str, list[RecordRef]] = defaultdict(list)
        for ref, record in self.truth.items():
            grouped[record.person_id].append(ref)
        return dict(grouped)

    def true_pairs(self) -> set[frozenset[RecordRef]]:
        """Returns every unordered pair of records of the same person, within partners too."""
        return {frozenset(pair) for refs in self.records_by_person().values()
                for pair in combinations(refs, 2)}

    def true_entity_count(self) -> int:
        """Returns how many distinct people the partner files hold."""
        return len({record.person_id for record in self.truth.values()})


def read_truth(path: Path) -> dict[RecordRef, TruthRecord]:
    """Given a truth.csv, returns its records keyed by (partner, record key)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {(row["partner"], row["record_key"]): TruthRecord(
                    row["partner"], row["record_key"], row["person_id"], row["race_ethnicity"],
                    tuple(e for e in row.get("errors", "").split(";") if e))
                for row in csv.DictReader(handle)}
