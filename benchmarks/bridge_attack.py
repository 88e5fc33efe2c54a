"""A hostile partner's bridge records: the OR of two youth's CLKs, similar to both, merges them.

A partner holds the linkage secret, so it can upload anything its encoder could make and more.
This benchmark crafts ``--crafted`` records from the synthetic city's own encodings, each the OR
of one record of two different youth (both with records at other partners), with as many of
the second youth's bits as a cap on the set bits allows (``--caps``; ``full``: the whole union).
For each cap it prints how many crafted CLKs the sync protocol refuses (``SyncChunk.from_wire``,
which the coordinator runs on every chunk), and what the accepted ones would do to the hub
matched in the engine at its defaults: the targeted pairs of youth merged into one entity, and
the hub's entities holding an honest record against the count before. Results:
``benchmarks/RESULTS-abuse.md``.

    .venv/bin/python benchmarks/bridge_attack.py [--youth 3000] [--datasets 6] [--crafted 100]
        [--caps full,700,640,600]
"""

from __future__ import annotations

import argparse
import base64
import secrets
import sys
import uuid
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.realistic_clks import BENCHMARK_SECRET, CLK_BYTES, load_realistic_clks, split_partners  # noqa: E402
from hublink.coordinator.matching import MatchResult, PartnerClks, match_partners  # noqa: E402
from hublink.shared.errors import InvalidPackage  # noqa: E402
from hublink.shared.linkage_schema import load_linkage_schema, schema_fingerprint  # noqa: E402
from hublink.shared.sync_protocol import SyncChunk, SyncStart  # noqa: E402


def bridges(first: np.ndarray, second: np.ndarray, cap: int | None,
            generator: np.random.Generator) -> np.ndarray:
    """Given two youth's CLKs as bit rows, returns the first with the second's other bits added
    (at random, while fewer than ``cap`` bits are set; None: all of them), packed."""
    bits = first.copy()
    extra = np.flatnonzero(second & ~first)
    room = len(extra) if cap is None else max(cap - int(first.sum()), 0)
    bits[generator.choice(extra, min(room, len(extra)), replace=False)] = 1
    return np.packbits(bits)


def refused_by_the_protocol(clks: bytes) -> int:
    """Returns how many of ``clks`` the sync protocol refuses, one chunk per CLK."""
    schema = load_linkage_schema()
    start = SyncStart(sync_id=str(uuid.uuid4()), mode="full", base_sync_id=None,
                      schema_id=schema.schema_id,
                      fingerprint=schema_fingerprint(schema, BENCHMARK_SECRET),
                      clk_bytes=schema.clk_bytes, attribute_names=())
    refused = 0
    for index in range(len(clks) // CLK_BYTES):
        body = {"pseudonyms": [secrets.token_hex(32)], "attributes": {}, "deletes": [],
                "clks": base64.b64encode(clks[index * CLK_BYTES:(index + 1) * CLK_BYTES]).decode()}
        try:
            SyncChunk.from_wire(body, start)
        except InvalidPackage:
            refused += 1
    return refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youth", type=int, default=3000)
    parser.add_argument("--datasets", type=int, default=6)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--crafted", type=int, default=100)
    parser.add_argument("--caps", default="full,700,640,600", help="set-bit caps, 'full' for none")
    arguments = parser.parse_args()

    data = split_partners(load_realistic_clks(arguments.youth, arguments.seed), arguments.datasets)
    datasets = data.partner_clks()
    records_of: dict[int, list[tuple[int, int]]] = {}
    for dataset, persons in enumerate(data.persons):
        for record, person in enumerate(persons):
            records_of.setdefault(int(person), []).append((dataset, record))
    linked_youth = [person for person, records in records_of.items() if len(records) >= 2]
    generator = np.random.default_rng(1)
    targets = [tuple(generator.choice(linked_youth, 2, replace=False)) for _ in range(arguments.crafted)]

    def bit_row(position: tuple[int, int]) -> np.ndarray:
        dataset, record = position
        return np.unpackbits(np.frombuffer(data.clks[dataset][record * CLK_BYTES:(record + 1) * CLK_BYTES],
                                           dtype=np.uint8))

    def honest_entities(result: MatchResult) -> int:
        return sum(any(dataset < len(datasets) for dataset, _ in group) for group in result.groups)

    def merged(result: MatchResult) -> int:
        group_of = {member: index for index, group in enumerate(result.groups) for member in group}
        return sum(group_of[records_of[first][0]] == group_of[records_of[second][0]]
                   for first, second in targets)

    base = match_partners(datasets)
    print(f"{data.record_count:,} records of {len(records_of):,} youth in {len(datasets)} datasets: "
          f"{honest_entities(base):,} entities; {arguments.crafted} crafted bridge records per cap",
          flush=True)
    for cap_text in arguments.caps.split(","):
        cap = None if cap_text == "full" else int(cap_text)
        crafted = b"".join(bridges(bit_row(records_of[first][0]), bit_row(records_of[second][0]),
                                   cap, generator).tobytes() for first, second in targets)
        set_bits = np.unpackbits(np.frombuffer(crafted, dtype=np.uint8)).reshape(len(targets), -1).sum(axis=1)
        attacked = match_partners(datasets + [PartnerClks(len(datasets) + 1, crafted, CLK_BYTES)])
        print(f"cap {cap_text:>4}: set bits {set_bits.mean():.0f} of {CLK_BYTES * 8} (max {set_bits.max()}); "
              f"refused by the sync protocol {refused_by_the_protocol(crafted)} of {len(targets)}; "
              f"if accepted: targeted pairs merged {merged(base)} -> {merged(attacked)}, entities "
              f"{honest_entities(base):,} -> {honest_entities(attacked):,}", flush=True)


if __name__ == "__main__":
    main()
