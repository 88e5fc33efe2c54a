"""Realistic CLKs for the matching benchmarks: synthetic youth, encoded exactly as the agent does.

The synthetic generator writes its six partner files; each is read, normalised and encoded with
the agent's own code (``read_source`` -> ``prepare_source`` -> ``encode_rows``) under the
current linkage schema and a fixed benchmark secret. With ``split_into`` the records of the
partners are dealt out to that many datasets (see :func:`split_partners`), to model a hub of
80+ small partners. Encoded CLKs are cached under ``cache_dir`` (keyed by youth, seed and the
schema fingerprint), because encoding 250k records takes minutes.
"""

from __future__ import annotations

import hashlib
import pickle
from importlib import resources
import tempfile
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hublink.coordinator.matching import PartnerClks
from hublink.shared.linkage_schema import LinkageSchema, load_linkage_schema

BENCHMARK_SECRET = b"hublink-benchmark-secret-0123456"
CLK_BYTES = 128
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "hublink-benchmark-clks"
# Their sources are part of the cache key: a changed generator or normaliser must not reuse old CLKs.
_KEYED_PACKAGES = ("hublink.synthetic", "hublink.agent", "hublink.agent.normalise")


@dataclass(frozen=True)
class RealisticClks:
    """Partner datasets of packed CLKs and the true person of every record, dataset by dataset."""

    names: list[str]
    clks: list[bytes]
    persons: list[np.ndarray]
    """``persons[d][r]`` is the true person (an integer id) of record ``r`` of dataset ``d``."""
    groups: list[list[str]] = field(default_factory=list)
    """``groups[d][r]``: the true race/ethnicity group of that record's person."""
    errors: list[list[tuple[str, ...]]] = field(default_factory=list)
    """``errors[d][r]``: the generator's recording errors in that record."""
    unsent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """The true persons of the rows the agents did not send (too few identifiers to link):
    missed links and, for a youth in no sent record, a youth the count misses."""

    @property
    def record_count(self) -> int:
        return sum(len(persons) for persons in self.persons)

    def partner_clks(self) -> list[PartnerClks]:
        return [PartnerClks(index + 1, clks, CLK_BYTES) for index, clks in enumerate(self.clks)]

    def truth(self) -> dict[Hashable, int]:
        """Returns (dataset, record) -> true person, for :func:`demo.evaluation.pairwise_quality`."""
        truth: dict[Hashable, int] = {
            (dataset, record): int(person)
            for dataset, persons in enumerate(self.persons) for record, person in enumerate(persons)}
        truth.update({("unsent", row): int(person) for row, person in enumerate(self.unsent)})
        return truth


def encode_source(source: Path, record_key: str, identifiers: dict, schema: LinkageSchema,
                  secret: bytes, folder: Path) -> tuple[list[str], bytes]:
    """Given a partner's source file, its record-key column, its identifier mapping (as in the
    agent's configuration), the schema, the linkage secret and a scratch folder, returns the
    record keys and packed CLKs, read, normalised and encoded by the agent's own code."""
    # imported here, so that cached CLKs load without the agent's optional dependencies
    from hublink.agent.config import load_config
    from hublink.agent.encode import encode_rows
    from hublink.agent.prepare import prepare_source
    from hublink.agent.readers import read_source
    from hublink.agent.settings_render import render_config

    # through the agent's own configuration loader, so a new configuration key gets its
    # default here too (a hand-built AgentConfig broke when chunk_records was added)
    config_path = folder / f"{source.stem}.toml"
    config_path.write_text(render_config({
        "coordinator": {"url": "https://hub.invalid", "token_file": "token"},
        "linkage": {"secret_file": "secret"},
        "source": {"path": str(source), "record_key": record_key},
        "identifiers": dict(identifiers),
    }), encoding="utf-8")
    config = load_config(config_path)
    prepared = prepare_source(config, read_source(config))
    features = [prepared.rows[position] for position in range(prepared.record_count)]
    return list(prepared.record_keys), encode_rows(features, schema, secret)


def _encode_partners(youth: int, seed: int, schema_id: str | None) -> RealisticClks:
    from hublink.synthetic import generate_dataset

    schema = _schema(schema_id)
    with tempfile.TemporaryDirectory(prefix="hublink-benchmark-") as folder:
        root = Path(folder)
        dataset = generate_dataset(root / "sources", youth=youth, seed=seed)
        person_ids: dict[str, int] = {}
        names, clks, persons, groups, errors, unsent = [], [], [], [], [], []
        for partner in dataset.partners:
            record_keys, encoded = encode_source(partner.path, partner.record_key, partner.identifiers,
                                                 schema, BENCHMARK_SECRET, root)
            names.append(partner.name)
            clks.append(encoded)
            persons.append(np.array([person_ids.setdefault(dataset.truth[(partner.name, key)].person_id,
                                                           len(person_ids))
                                     for key in record_keys], dtype=np.int64))
            truth = [dataset.truth[(partner.name, key)] for key in record_keys]
            groups.append([record.race_ethnicity for record in truth])
            errors.append([record.errors for record in truth])
            sent = set(record_keys)
            unsent += [person_ids.setdefault(record.person_id, len(person_ids))
                       for (name, key), record in dataset.truth.items()
                       if name == partner.name and key not in sent]
    return RealisticClks(names, clks, persons, groups, errors, np.array(unsent, dtype=np.int64))


def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    for package in _KEYED_PACKAGES:
        for source in sorted(resources.files(package).iterdir(), key=lambda item: item.name):
            if source.name.endswith(".py"):
                digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:8]


def _schema(schema_id: str | None):
    return load_linkage_schema() if schema_id is None else load_linkage_schema(schema_id)


def load_realistic_clks(youth: int, seed: int = 11, cache_dir: Path = DEFAULT_CACHE,
                        schema_id: str | None = None) -> RealisticClks:
    """Given a youth count, seed and schema id (None: the default schema), returns the six
    synthetic partners' CLKs (cached on disk)."""
    fingerprint = hashlib.sha256(_schema(schema_id).raw).hexdigest()[:12]
    path = cache_dir / f"youth{youth}-seed{seed}-{fingerprint}-{_code_fingerprint()}.pickle"
    if path.exists():
        with open(path, "rb") as handle:
            return pickle.load(handle)
    result = _encode_partners(youth, seed, schema_id)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as handle:
        pickle.dump(result, handle)
    partial.replace(path)
    return result


def split_partners(clks: RealisticClks, datasets: int, seed: int = 7) -> RealisticClks:
    """Given the partners' CLKs, returns them dealt out to ``datasets`` datasets.

    Each partner keeps a share of the datasets in proportion to its record count (at least one);
    every record of a partner goes to one of that partner's datasets, chosen at random. Records of
    one partner thus stay within the same family of datasets, like a program's several sites.
    """
    generator = np.random.default_rng(seed)
    counts = np.array([len(persons) for persons in clks.persons])
    shares = np.maximum(1, np.floor(counts / counts.sum() * datasets).astype(int))
    while shares.sum() < datasets:
        shares[np.argmax(counts / shares)] += 1
    names, packed, persons, groups, errors = [], [], [], [], []
    for index, (name, partner_clks, partner_persons, share) in enumerate(
            zip(clks.names, clks.clks, clks.persons, shares)):
        rows = np.frombuffer(partner_clks, dtype=np.uint8).reshape(-1, CLK_BYTES)
        assignment = generator.integers(0, share, size=len(rows))
        for part in range(share):
            chosen = np.flatnonzero(assignment == part)
            names.append(f"{name}-{part + 1}")
            packed.append(rows[chosen].tobytes())
            persons.append(partner_persons[chosen])
            if clks.groups:
                groups.append([clks.groups[index][row] for row in chosen])
                errors.append([clks.errors[index][row] for row in chosen])
    return RealisticClks(names, packed, persons, groups, errors, clks.unsent)
