"""Partner CLK datasets packed into one matrix, and the mapping between global and per-dataset indices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from hublink.shared.errors import HublinkError

__all__ = ["InvalidMatchInput", "PartnerClks", "ClkMatrix", "dataset_of_rows", "pack_datasets", "row_positions"]

RecordPosition = tuple[int, int]
"""(dataset_index, record_index): a record's place in the sequence of datasets given to a match."""


class InvalidMatchInput(HublinkError):
    """The datasets or settings handed to the matching engine cannot be matched as given."""

    code = "invalid_match_input"
    http_status = 400


@dataclass(frozen=True)
class PartnerClks:
    """One partner's current upload: CLKs packed back to back, ``clk_bytes`` bytes each.

    Record ``i`` is ``clks[i * clk_bytes:(i + 1) * clk_bytes]`` in ``bitarray.tobytes()`` order.
    """

    partner_id: int
    clks: bytes
    clk_bytes: int

    @property
    def record_count(self) -> int:
        """Returns the number of CLKs in this dataset."""
        return len(self.clks) // self.clk_bytes if self.clk_bytes > 0 else 0


@dataclass(frozen=True)
class ClkMatrix:
    """Every record of every dataset as one row of a C-contiguous ``uint8`` matrix.

    Rows are dataset-major: dataset 0's records first. ``offsets[d]`` is dataset ``d``'s first row,
    ``offsets[-1]`` the total, so a lower global row index means a lower (dataset, record) pair.
    """

    rows: np.ndarray
    offsets: np.ndarray

    @property
    def record_count(self) -> int:
        """Returns the total number of records."""
        return int(self.rows.shape[0])

    @property
    def record_counts(self) -> list[int]:
        """Returns the number of records of each dataset, in dataset order."""
        return [int(count) for count in np.diff(self.offsets)]

    def positions(self, global_indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Given global row indices, returns (dataset indices, record indices) as ``uint32`` arrays."""
        return row_positions(self.offsets, global_indices)


def dataset_of_rows(offsets: np.ndarray) -> np.ndarray:
    """Given the datasets' first rows (``ClkMatrix.offsets``), returns every row's dataset (``uint32``)."""
    return np.repeat(np.arange(len(offsets) - 1, dtype=np.uint32), np.diff(offsets))


def row_positions(offsets: np.ndarray, global_indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Given the datasets' first rows and global row indices, returns (dataset indices, record
    indices) as ``uint32`` arrays, by gathering, not searching."""
    global_indices = np.asarray(global_indices, dtype=np.int64)
    datasets = dataset_of_rows(offsets)[global_indices]
    return datasets, (global_indices - np.asarray(offsets)[datasets]).astype(np.uint32)


def pack_datasets(datasets: Sequence[PartnerClks]) -> ClkMatrix:
    """Given partner datasets, returns them packed into one :class:`ClkMatrix`.

    Raises :class:`InvalidMatchInput`, listing every problem, when a dataset's CLK size is not
    positive, its bytes are not a whole number of CLKs, or the CLK sizes differ between datasets.
    """
    problems: list[str] = []
    sizes = {dataset.clk_bytes for dataset in datasets}
    if len(sizes) > 1:
        problems.append(f"datasets use different CLK sizes: {sorted(sizes)} bytes")
    for index, dataset in enumerate(datasets):
        if dataset.clk_bytes <= 0:
            problems.append(f"dataset {index} (partner {dataset.partner_id}): CLK size must be positive")
        elif len(dataset.clks) % dataset.clk_bytes:
            problems.append(
                f"dataset {index} (partner {dataset.partner_id}): {len(dataset.clks)} bytes is not "
                f"a whole number of {dataset.clk_bytes}-byte CLKs"
            )
    if problems:
        raise InvalidMatchInput("the datasets cannot be matched", details=problems)
    clk_bytes = sizes.pop() if sizes else 128
    counts = [dataset.record_count for dataset in datasets]
    offsets = np.zeros(len(datasets) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    rows = np.frombuffer(b"".join(dataset.clks for dataset in datasets), dtype=np.uint8)
    return ClkMatrix(rows=np.ascontiguousarray(rows.reshape(-1, clk_bytes)), offsets=offsets)
