"""Candidate blocks: which records get compared, so comparisons grow far slower than n².

Two strategies. *All pairs* puts every record in one block: exact, used for small matches.
*LSH* samples bits of the CLKs (bit-sampling locality-sensitive hashing for Hamming distance):
``tables`` independent tables, each keying a record by ``bits_per_table`` sampled bit positions.
Records sharing a key in any table are compared. Similar CLKs agree on most bits, so they share a
key in at least one table with high probability; unrelated CLKs (about 55% bit agreement) rarely do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator, Literal, Sequence

import numba
import numpy as np

from hublink.coordinator.matching.records import ClkMatrix, InvalidMatchInput

__all__ = ["BlockingSettings", "TableBlocks", "byte_columns", "choose_strategy", "fill_table_keys",
           "iterate_blocks", "pairs_share_a_block", "sample_bit_positions", "table_blocks", "table_keys",
           "table_keys_type"]

Strategy = Literal["auto", "all_pairs", "lsh"]


DEFAULT_TABLES, DEFAULT_BITS = 100, 20
DENSE_FILL = 0.4
"""CLKs with at least this share of bits set are blocked with ``DENSE_TABLES`` x ``DENSE_BITS``."""
DENSE_TABLES, DENSE_BITS = 150, 14
"""Measured on the synthetic city under ``linkage-v2`` (56,051 records, 80 datasets,
benchmarks/scale.py): F1 0.9304 with 100x20 (1.75M comparisons), 0.9466 with 150x14 (34M),
0.9468 with 100x12 (77M); ``linkage-v1`` with 100x20 gave 0.9471 (15.8M)."""
_FILL_SAMPLE = 10_000


@dataclass(frozen=True)
class BlockingSettings:
    """How records are put into candidate blocks.

    Defaults were measured on 30,185 synthetic youth records encoded as the agent does (``linkage-v1``
    schema, about 31% of CLK bits set): 0.066% of true-match pairs with Dice ≥ 0.72 share no block,
    at 1.19% of the all-pairs comparisons (1.00% at 250k records). Pairs near the threshold are
    missed more often: 1.6% of true matches with Dice below 0.80, and 1.6% of all pairs ≥ 0.72
    (mostly unrelated look-alikes, which bit sampling cannot tell from true matches).
    """

    # measured by benchmarks/blocking.py (results in benchmarks/RESULTS-matching.md)
    tables: int = DEFAULT_TABLES
    bits_per_table: int = DEFAULT_BITS
    seed: int = 20240611
    max_block_size: int = 10_000
    """Blocks larger than this are split by further sampled bits (recall falls a little there)."""
    all_pairs_limit: int = 30_000
    """With ``strategy="auto"``, at most this many records in total are compared all against all."""
    strategy: Strategy = "auto"

    def for_clks(self, rows: np.ndarray) -> "BlockingSettings":
        """Given the run's CLKs as rows of bytes, returns the settings to block them with: the
        defaults above suit CLKs with under ``DENSE_FILL`` of their bits set (``linkage-v1``,
        about 31%); denser CLKs (balanced ``linkage-v2``, 50%) take ``DENSE_TABLES`` x
        ``DENSE_BITS``, because a sampled bit of a dense CLK agrees between two records less
        often at the same Dice, and 20 bits then keep a true pair out of every block most of the
        time. Settings an operator changed are kept as given. The fill belongs to the schema, so
        every run of one hub (and its incremental runs) blocks alike."""
        if (self.tables, self.bits_per_table) != (DEFAULT_TABLES, DEFAULT_BITS) or not len(rows):
            return self
        fill = float(np.unpackbits(rows[:_FILL_SAMPLE], axis=1).mean())
        if fill < DENSE_FILL:
            return self
        return replace(self, tables=DENSE_TABLES, bits_per_table=DENSE_BITS)

    def problems(self) -> list[str]:
        """Returns every reason these settings are unusable (empty when they are fine)."""
        found = []
        if self.tables < 1:
            found.append(f"blocking tables must be at least 1 (got {self.tables})")
        if not 1 <= self.bits_per_table <= 48:
            found.append(f"blocking bits_per_table must be 1 to 48 (got {self.bits_per_table})")
        if self.max_block_size < 2:
            found.append(f"blocking max_block_size must be at least 2 (got {self.max_block_size})")
        if self.all_pairs_limit < 0:
            found.append(f"blocking all_pairs_limit must not be negative (got {self.all_pairs_limit})")
        if self.strategy not in ("auto", "all_pairs", "lsh"):
            found.append(f"blocking strategy must be auto, all_pairs or lsh (got {self.strategy!r})")
        return found


@dataclass
class TableBlocks:
    """The blocks of one table, each of two or more records, as one array of row indices.

    Block ``k`` is ``members[bounds[k]:bounds[k + 1]]``, ascending. One array rather than one per
    block: a table at city scale has tens of thousands of blocks, and the comparing kernel takes
    them all in one call.
    """

    members: np.ndarray
    bounds: np.ndarray
    split_blocks: int = 0
    """How many over-large blocks were split by extra bits in this table."""
    oversized_blocks: list[int] = field(default_factory=list)
    """Sizes of blocks still above the cap after every extra bit (identical CLKs): compared whole."""

    @classmethod
    def from_blocks(cls, blocks: Sequence[np.ndarray], split_blocks: int = 0,
                    oversized_blocks: list[int] | None = None) -> "TableBlocks":
        """Given blocks as arrays of ascending row indices, returns them as one table."""
        bounds = np.zeros(len(blocks) + 1, dtype=np.int64)
        bounds[1:] = np.cumsum([len(block) for block in blocks], dtype=np.int64)
        members = (np.concatenate(blocks).astype(np.int64, copy=False) if len(blocks)
                   else np.empty(0, dtype=np.int64))
        return cls(members, bounds, split_blocks, list(oversized_blocks or []))

    @property
    def sizes(self) -> np.ndarray:
        """Returns the number of records of each block."""
        return np.diff(self.bounds)

    @property
    def blocks(self) -> list[np.ndarray]:
        """Returns the blocks as a list of arrays (views of ``members``)."""
        return [self.members[start:end] for start, end in zip(self.bounds[:-1].tolist(), self.bounds[1:].tolist())]


TABLE_KEYS_BUDGET = 1024 * 1024 * 1024
"""Bytes the matrix of every row's key in every table (:func:`table_keys`) may take: 76 MB for
the 252k-record city at 150 tables of 14 bits, 300 MB at 1M records, 900 MB at 3M."""


def choose_strategy(record_count: int, settings: BlockingSettings) -> Literal["all_pairs", "lsh"]:
    """Given the total number of records and settings, returns the strategy to use."""
    if settings.strategy != "auto":
        return settings.strategy
    return "all_pairs" if record_count <= settings.all_pairs_limit else "lsh"


def sample_bit_positions(clk_bits: int, settings: BlockingSettings) -> np.ndarray:
    """Given the CLK length in bits and settings, returns a (tables, clk_bits) matrix of bit positions.

    Row ``t`` is a seeded random permutation of all bit positions: its first ``bits_per_table``
    entries key table ``t`` and the rest, in order, split over-large blocks. Same seed, same result.
    Raises :class:`InvalidMatchInput` when a table needs more bits than a CLK has.
    """
    if settings.bits_per_table > clk_bits:
        raise InvalidMatchInput(
            f"blocking needs {settings.bits_per_table} bits per table but CLKs have {clk_bits} bits"
        )
    generator = np.random.default_rng(settings.seed)
    return np.stack([generator.permutation(clk_bits) for _ in range(settings.tables)])


@numba.njit(nogil=True, cache=True)
def _keys(byte_columns: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Given CLKs as byte columns (``rows.T``, big-endian bit order) and at most 64 bit positions,
    returns each row's key.

    The key is those bits read as one integer; built bit by bit so memory stays one integer per row.
    Columns are contiguous, so each bit is read from one sequential array, not a strided one.
    Compiled without the GIL: on a Dask worker, whose event loop wants the GIL too, the same
    numpy code waited for it between its small steps (table keys of the city took 4 s, not 1).
    """
    keys = np.zeros(byte_columns.shape[1], dtype=np.uint64)
    for place in range(len(positions)):
        position = positions[place]
        shift = np.uint8(7 - position % 8)
        source = byte_columns[position // 8]
        for row in range(len(keys)):
            keys[row] |= np.uint64((source[row] >> shift) & np.uint8(1)) << np.uint64(place)
    return keys


@numba.njit(nogil=True, cache=True)
def _fill_keys(byte_columns, positions, bits, keys, first, last, counted):
    """Writes the keys of tables ``first`` to ``last - 1`` to their columns of ``keys``; returns the
    most rows sharing a key in them when ``counted`` (keys of at most 24 bits), else 0."""
    largest = 0
    counts = np.zeros(1 << bits if counted else 1, dtype=np.int64)
    for table in range(first, last):
        column = _keys(byte_columns, positions[table, :bits])
        if counted:
            counts[:] = 0
            for key in column:
                counts[key] += 1
            largest = max(largest, counts.max())
        for row in range(len(column)):
            keys[row, table] = column[row]
    return largest


def _runs(members: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Given ascending row indices and their keys, returns (members, bounds) of the runs of two or
    more rows sharing a key, each run ascending (the layout of :class:`TableBlocks`)."""
    if len(keys) and int(keys.max()) < 1 << 16:  # numpy's stable sort of 16-bit keys is a radix sort
        keys = keys.astype(np.uint16)
    order = np.argsort(keys, kind="stable")  # stable: rows of one key stay ascending
    sorted_keys, sorted_members = keys[order], members[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    shared = sizes >= 2  # most keys of a table hold one row
    bounds = np.zeros(int(shared.sum()) + 1, dtype=np.int64)
    bounds[1:] = np.cumsum(sizes[shared])
    return sorted_members[np.repeat(shared, sizes)].astype(np.int64, copy=False), bounds


def table_blocks(byte_columns: np.ndarray, positions: np.ndarray, settings: BlockingSettings,
                 keys: np.ndarray | None = None) -> TableBlocks:
    """Given the CLKs as byte columns (:func:`byte_columns`), one table's bit positions (a row of
    :func:`sample_bit_positions`) and optionally the rows' keys in it (its column of
    :func:`table_keys`; computed when not given), returns the table's blocks, splitting any above
    the cap by more bits."""
    all_rows = np.arange(byte_columns.shape[1], dtype=np.int64)
    if keys is None:
        keys = _keys(byte_columns, positions[:settings.bits_per_table])
    members, bounds = _runs(all_rows, keys)
    sizes = np.diff(bounds)
    if not np.any(sizes > settings.max_block_size):
        return TableBlocks(members, bounds)
    fitting = sizes <= settings.max_block_size
    kept = [members[np.repeat(fitting, sizes)]]
    kept_sizes = [sizes[fitting]]
    split_blocks, oversized = 0, []
    pending = [(members[start:end], settings.bits_per_table)
               for start, end in zip(bounds[:-1][~fitting].tolist(), bounds[1:][~fitting].tolist())]
    while pending:
        block, used = pending.pop()
        if len(block) <= settings.max_block_size or used >= len(positions):
            if len(block) > settings.max_block_size:
                oversized.append(len(block))
            kept.append(block)
            kept_sizes.append(np.array([len(block)], dtype=np.int64))
            continue
        extra = positions[used:used + 8]
        split_blocks += 1
        part_members, part_bounds = _runs(block, _keys(byte_columns[:, block], extra))
        pending.extend((part_members[start:end], used + len(extra))
                       for start, end in zip(part_bounds[:-1].tolist(), part_bounds[1:].tolist()))
    all_sizes = np.concatenate(kept_sizes)
    all_bounds = np.zeros(len(all_sizes) + 1, dtype=np.int64)
    all_bounds[1:] = np.cumsum(all_sizes)
    return TableBlocks(np.concatenate(kept), all_bounds, split_blocks, oversized)


def table_keys_type(row_count: int, table_count: int, settings: BlockingSettings,
                    budget_bytes: int = TABLE_KEYS_BUDGET) -> np.dtype | None:
    """Returns the type of :func:`table_keys`' matrix (the smallest unsigned type holding
    ``bits_per_table`` bits), or None when ``row_count`` x ``table_count`` of it exceeds ``budget_bytes``."""
    bits = settings.bits_per_table
    dtype = np.dtype(np.uint16 if bits <= 16 else np.uint32 if bits <= 32 else np.uint64)
    return None if row_count * table_count * dtype.itemsize > budget_bytes else dtype


def fill_table_keys(byte_columns: np.ndarray, positions: np.ndarray, settings: BlockingSettings,
                    keys: np.ndarray, tables: range) -> int:
    """Writes each row's key in each table of ``tables`` (consecutive) to its column of ``keys``
    (rows x all tables, :func:`table_keys_type`); returns the most rows sharing one key in them.
    Tables are independent, so processes may fill different ones of one shared matrix."""
    counted = settings.bits_per_table <= 24
    largest = _fill_keys(byte_columns, positions, settings.bits_per_table, keys, tables.start, tables.stop, counted)
    if not counted:  # wide keys: counted by sorting
        largest = max(int(np.unique(keys[:, table], return_counts=True)[1].max(initial=0)) for table in tables)
    return largest


def table_keys(byte_columns: np.ndarray, positions: np.ndarray, settings: BlockingSettings,
               budget_bytes: int = TABLE_KEYS_BUDGET) -> np.ndarray | None:
    """Given the CLKs as byte columns, every table's bit positions (:func:`sample_bit_positions`)
    and settings, returns each row's key in every table (rows x tables, :func:`table_keys_type`):
    two rows share a block of table ``t`` exactly when their keys in column ``t`` are equal.
    Returns None when that does not hold (some table has a block over ``max_block_size``, which
    is split by more bits) or the matrix would exceed ``budget_bytes``."""
    dtype = table_keys_type(byte_columns.shape[1], len(positions), settings, budget_bytes)
    if dtype is None:
        return None
    keys = np.empty((byte_columns.shape[1], len(positions)), dtype=dtype)
    if fill_table_keys(byte_columns, positions, settings, keys, range(len(positions))) > settings.max_block_size:
        return None
    return keys


def iterate_blocks(matrix: ClkMatrix, settings: BlockingSettings) -> Iterator[TableBlocks]:
    """Given packed CLKs and settings, yields the blocks table by table (one table for all pairs).

    Tables come one at a time so a caller can compare and discard them, keeping memory bounded.
    Raises :class:`InvalidMatchInput` when the settings are unusable.
    """
    problems = settings.problems()
    if problems:
        raise InvalidMatchInput("the blocking settings are invalid", details=problems)
    if matrix.record_count < 2:
        return
    if choose_strategy(matrix.record_count, settings) == "all_pairs":
        yield TableBlocks.from_blocks([np.arange(matrix.record_count, dtype=np.int64)])
        return
    columns = byte_columns(matrix)
    for positions in sample_bit_positions(matrix.rows.shape[1] * 8, settings):
        yield table_blocks(columns, positions, settings)


def byte_columns(matrix: ClkMatrix) -> np.ndarray:
    """Given packed CLKs, returns them as contiguous byte columns (``rows.T``), as blocking reads them."""
    return np.ascontiguousarray(matrix.rows.T)


def pairs_share_a_block(rows: np.ndarray, lower: np.ndarray, higher: np.ndarray, settings: BlockingSettings) -> np.ndarray:
    """Given CLK rows, pairs of row indices and LSH settings, returns which pairs share a key in at
    least one table: the pairs :func:`iterate_blocks` would compare.

    Only the rows of the pairs are read, so this costs little for a few pairs among many records.
    Blocks split for exceeding ``max_block_size`` are not modelled: a pair sharing a key is kept
    even if the split of an over-large block would have parted it.
    """
    involved, inverse = np.unique(np.concatenate([lower, higher]), return_inverse=True)
    first, second = inverse[:len(lower)], inverse[len(lower):]
    columns = np.ascontiguousarray(rows[involved].T)
    shared = np.zeros(len(lower), dtype=bool)
    for positions in sample_bit_positions(rows.shape[1] * 8, settings):
        keys = _keys(columns, positions[:settings.bits_per_table])
        shared |= keys[first] == keys[second]
    return shared
