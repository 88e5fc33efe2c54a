"""Encoding speed: the agent's sync encoder against clkhash's own single-process encoder.

Synthetic youth partner files are generated and their identifiers normalised by the agent's
own ``normalise_record`` until there are ``--records`` feature rows. The same rows are then
encoded in the same run as a sync encodes them (``agent/chunk_sending.py``: one warm
``RowEncoder`` for the whole sync, batch after batch of ``ENCODE_BATCH`` records), and by
``clkhash.clk.generate_clks(rows, schema, secret, max_workers=1)`` (with ``validate=False``,
as the agent does, so both do the same work) followed by the schema's hardening. Each is run
``--repeat`` times from cold caches (a new encoder, clkhash's caches cleared); the best time
counts. Both outputs must be byte-identical; the exit code is 1 if they are not.

    .venv/bin/python benchmarks/encode.py [--records 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import copy
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clkhash import bloomfilter  # noqa: E402
from clkhash.clk import generate_clks  # noqa: E402
from clkhash.schema import from_json_dict  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.realistic_clks import BENCHMARK_SECRET  # noqa: E402
from hublink.agent.chunk_sending import ENCODE_BATCH  # noqa: E402
from hublink.agent.encode import RowEncoder, balance_permutation, harden  # noqa: E402
from hublink.agent.normalise import FEATURE_NAMES, RawIdentifiers, normalise_record  # noqa: E402
from hublink.shared.linkage_schema import load_linkage_schema  # noqa: E402
from hublink.synthetic import PartnerFile, generate_dataset  # noqa: E402
from hublink.synthetic.population import REFERENCE_DATE  # noqa: E402

TARGET_RATIO = 1.8


def _partner_rows(partner: PartnerFile) -> list[tuple[str, ...]]:
    """Returns the normalised features of one synthetic partner file, as the agent makes them."""
    identifiers = partner.identifiers
    rows = []
    with open(partner.path, newline="", encoding="utf-8-sig") as handle:
        for record in csv.DictReader(handle):
            cells = {}
            for key, column in identifiers.items():
                if key == "dob_format":
                    continue
                columns = column if isinstance(column, list) else [column]
                cells[key] = " ".join(record[name] for name in columns if record[name]) or None
            rows.append(normalise_record(RawIdentifiers(**cells), identifiers.get("dob_format"),
                                         today=REFERENCE_DATE).features)
    return rows


def realistic_rows(records: int, seed: int) -> list[tuple[str, ...]]:
    """Given a record count and seed, returns that many normalised feature rows of synthetic
    youth: the generator's partner files (typos, nicknames, moves, duplicates), normalised by
    the agent's own ``normalise_record``."""
    rows: list[tuple[str, ...]] = []
    youth = max(1_000, records // 2)
    with tempfile.TemporaryDirectory(prefix="hublink-encode-benchmark-") as folder:
        while len(rows) < records:
            dataset = generate_dataset(Path(folder) / f"sources-{seed}", youth=youth, seed=seed)
            for partner in dataset.partners:
                rows += _partner_rows(partner)
            seed += 1
    return rows[:records]


def _clear_clkhash_caches() -> None:
    """Every run starts as cold as a fresh process: clkhash memoises n-gram hashes."""
    for name in ("_blake_encode_ngrams", "blake_hash_token"):
        cached = getattr(bloomfilter, name, None)
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--schema", help="bundled linkage schema id (default: the default schema)")
    arguments = parser.parse_args()

    schema = load_linkage_schema(arguments.schema) if arguments.schema else load_linkage_schema()
    started = time.perf_counter()
    rows = realistic_rows(arguments.records, arguments.seed)
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"{len(rows)} realistic feature rows prepared in {time.perf_counter() - started:.1f}s "
          f"({os.cpu_count()} CPUs{load})")

    # clkhash encodes the plain Bloom filter; the schema's balancing and folding (agent.encode's
    # ``harden``, applied identically at every partner) then follow, as in production.
    plain = copy.deepcopy(schema.document)
    plain["clkConfig"]["xor_folds"] = 0
    clkhash_schema = from_json_dict(plain)
    permutation = (balance_permutation(BENCHMARK_SECRET, 2 * schema.bloom_filter_bits)
                   if schema.balanced else None)

    # clkhash takes the schema's features in the schema's order; the agent's rows hold every
    # feature the normaliser makes (FEATURE_NAMES order), and RowEncoder picks them by name.
    clkhash_rows = [tuple(row[FEATURE_NAMES.index(name)] for name in schema.feature_names)
                    for row in rows]

    def clkhash_encode() -> bytes:
        filters = np.unpackbits(np.frombuffer(b"".join(
            clk.tobytes() for clk in generate_clks(clkhash_rows, clkhash_schema, BENCHMARK_SECRET,
                                                   validate=False, max_workers=1)),
            dtype=np.uint8).reshape(len(rows), -1), axis=1).astype(bool)
        return np.packbits(harden(filters, permutation, schema.xor_folds), axis=1).tobytes()

    def sync_encode() -> bytes:
        encoder = RowEncoder(schema.document, BENCHMARK_SECRET)
        return b"".join(encoder.encode(rows[start:start + ENCODE_BATCH])
                        for start in range(0, len(rows), ENCODE_BATCH))

    runs = {
        f"sync encoder (one RowEncoder, batches of {ENCODE_BATCH:,})": sync_encode,
        "clkhash generate_clks (max_workers=1) + hardening": clkhash_encode,
    }
    seconds: dict[str, float] = {}
    outputs: dict[str, bytes] = {}
    for _ in range(arguments.repeat):
        for name, run in runs.items():
            _clear_clkhash_caches()
            started = time.perf_counter()
            outputs[name] = run()
            seconds[name] = min(seconds.get(name, float("inf")), time.perf_counter() - started)
    for name, best in seconds.items():
        print(f"{name}: {len(rows) / best:,.0f} records/s (best of {arguments.repeat}: {best:.2f}s)")
    ours, theirs = seconds.values()
    identical = len(set(outputs.values())) == 1
    print(f"ratio: {theirs / ours:.2f}x (target >= {TARGET_RATIO}x); "
          f"outputs byte-identical: {identical}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
