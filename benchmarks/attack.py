"""Re-identification by the pattern-mining attack (benchmarks/pattern_attack.py).

Targets: youth from the synthetic generator (dates of birth, sex, addresses, middle names)
whose first and last names are drawn from clkhash's public US name lists by their
frequencies, so the attacker's public frequencies are the population's: the attacker's best
case. They are normalised by the agent's normaliser and encoded by the agent's encoder
(``agent/encode.py``) under a fresh random secret that the attacker never sees; the attacker
gets the CLKs, the schema file and the public lists. Reported: the share of records whose
first name, last name, and both, the attacker's guess gets right.

    .venv/bin/python benchmarks/attack.py [--records 4325] [--secrets 3] [--schema linkage-v2]
        [--secret HEX ...] [--seed 3]
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.pattern_attack import (AttackSettings, PublicNames, load_public_names,  # noqa: E402
                                       reidentify)
from hublink.agent.encode import encode_rows  # noqa: E402
from hublink.agent.normalise import RawIdentifiers, normalise_record  # noqa: E402
from hublink.shared.linkage_schema import (CURRENT_SCHEMA_ID, LinkageSchema,  # noqa: E402
                                           load_linkage_schema)
from hublink.synthetic.population import generate_population  # noqa: E402

ISSUE_RECORDS = 4325
"""The size of the set the attack was first reported on (issue 11)."""
ATTACKS = {"exact": AttackSettings(), "tolerant": AttackSettings(coverage=0.75, tolerance=0.25)}
"""The attacker tries both: exact patterns, and patterns that survive XOR folding."""


@dataclass(frozen=True)
class AttackResult:
    schema_id: str
    records: int
    attack: str
    first: float
    last: float
    both: float
    seconds: float

    @property
    def either(self) -> float:
        return max(self.first, self.last)

    def line(self) -> str:
        return (f"{self.schema_id} ({self.attack} attack, {self.records} records): first name "
                f"{self.first:.1%}, last name {self.last:.1%}, both {self.both:.1%} "
                f"({self.seconds:.1f}s)")


def fold_only_schema() -> LinkageSchema:
    """Returns the measured alternative to the current schema: linkage-v1's features XOR-folded
    once from 2048 bits, without balancing (clkhash's own folding)."""
    document = load_linkage_schema("linkage-v1").document
    document["clkConfig"]["xor_folds"] = 1
    return LinkageSchema("fold-only", json.dumps(document).encode())


def schema_variant(schema_id: str) -> LinkageSchema:
    """Given a bundled schema id or ``fold-only``, returns the schema."""
    return fold_only_schema() if schema_id == "fold-only" else load_linkage_schema(schema_id)


def _weighted(frequencies: dict[str, float]) -> tuple[list[str], list[float]]:
    names = list(frequencies)
    cumulative, total = [], 0.0
    for name in names:
        total += frequencies[name]
        cumulative.append(total)
    return names, cumulative


def target_features(count: int, seed: int, public: PublicNames) -> list[tuple[str, ...]]:
    """Returns ``count`` records' features, normalised by the agent, with public-list names."""
    rng = random.Random(seed)
    first_names, first_cumulative = _weighted(public.first)
    last_names, last_cumulative = _weighted(public.last)

    def draw(names: list[str], cumulative: list[float]) -> str:
        return names[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]

    rows = []
    for person in generate_population(count, seed):
        raw = RawIdentifiers(
            first_name=draw(first_names, first_cumulative).title(),
            middle_name=person.middle_name or None,
            last_name=draw(last_names, last_cumulative).title(),
            dob=person.birth_date.isoformat(), sex=person.sex,
            address=f"{person.street_number} {person.street_name}", city=person.city,
            zip=person.zip)
        rows.append(normalise_record(raw, None).features)
    return rows


def clk_matrix(packed: bytes, clk_bytes: int) -> np.ndarray:
    """Given packed CLKs, returns them as a boolean matrix (records x bits)."""
    raw = np.frombuffer(packed, dtype=np.uint8).reshape(-1, clk_bytes)
    return np.unpackbits(raw, axis=1).astype(bool)


def run_attack(records: int = ISSUE_RECORDS, seed: int = 1, schema_id: str = CURRENT_SCHEMA_ID,
               attack: str = "exact", secret: bytes | None = None) -> AttackResult:
    """Encodes ``records`` targets under a random secret and attacks them; returns the shares
    of records re-identified."""
    public = load_public_names()
    schema = schema_variant(schema_id)
    rows = target_features(records, seed, public)
    packed = encode_rows(rows, schema, secret or secrets.token_bytes(32))
    started = time.perf_counter()
    first, last = reidentify(clk_matrix(packed, schema.clk_bytes), schema.document, public,
                             ATTACKS[attack])
    seconds = time.perf_counter() - started
    first_right = np.array([guess == row[0] for guess, row in zip(first, rows)])
    last_right = np.array([guess == row[1] for guess, row in zip(last, rows)])
    return AttackResult(schema_id, records, attack, float(first_right.mean()),
                        float(last_right.mean()), float((first_right & last_right).mean()),
                        seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=ISSUE_RECORDS)
    parser.add_argument("--secrets", type=int, default=3, help="runs, each under a new secret")
    parser.add_argument("--schema", action="append", help="schema id or fold-only (repeatable; default: current)")
    parser.add_argument("--attack", choices=sorted(ATTACKS), action="append")
    parser.add_argument("--secret", action="append", type=bytes.fromhex,
                        help="a fixed secret in hex, instead of random ones (repeatable)")
    parser.add_argument("--seed", type=int, help="the targets' seed (default: the run's number)")
    arguments = parser.parse_args()
    runs = arguments.secret or [None] * arguments.secrets
    for schema_id in arguments.schema or [CURRENT_SCHEMA_ID]:
        for attack in arguments.attack or sorted(ATTACKS):
            for run, secret in enumerate(runs):
                seed = run + 1 if arguments.seed is None else arguments.seed
                print(run_attack(arguments.records, seed=seed, schema_id=schema_id,
                                 attack=attack, secret=secret).line(), flush=True)


if __name__ == "__main__":
    main()
