"""Synthetic youth data through the real pipeline: quality overall and per race/ethnicity group.

Every partner of the synthetic generator syncs to a coordinator on loopback, the coordinator
matches with its default (calibrated) settings, and the agents fetch hub-wide link IDs.

    .venv/bin/python benchmarks/synthetic.py [--youth 8000] [--seed 11]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo.evaluation import PairwiseQuality, pairwise_quality  # noqa: E402
from demo.local_hub import LocalHub  # noqa: E402
from hublink.synthetic import generate_dataset  # noqa: E402

# Groups with fewer true pairs than this are reported but not held to the recall spread.
MIN_PAIRS_FOR_SPREAD = 100


@dataclass
class SyntheticResult:
    records: int
    true_entities: int
    linked_entities: int
    quality: PairwiseQuality
    by_group: dict[str, PairwiseQuality]
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def recall_spread_points(self) -> float:
        """Largest minus smallest recall, in percentage points, over groups with enough pairs."""
        recalls = [q.recall for q in self.by_group.values() if q.true_pairs >= MIN_PAIRS_FOR_SPREAD]
        return 100 * (max(recalls) - min(recalls))

    def lines(self) -> list[str]:
        q = self.quality
        lines = [f"synthetic youth: {self.records} records; {self.linked_entities} linked entities vs "
                 f"{self.true_entities} true; precision {q.precision:.4f} recall {q.recall:.4f} "
                 f"F1 {q.f1:.4f}", "  recall by race/ethnicity (true pairs):"]
        for group, quality in sorted(self.by_group.items()):
            lines.append(f"    {group:<40} {quality.recall:.4f} ({quality.true_pairs})")
        lines.append(f"  recall spread over groups with >= {MIN_PAIRS_FOR_SPREAD} true pairs: "
                     f"{self.recall_spread_points:.2f} points")
        lines.append("  seconds: " + ", ".join(f"{stage} {seconds:.1f}s"
                                               for stage, seconds in self.stage_seconds.items()))
        return lines


def run_synthetic(root: Path, youth: int = 8000, seed: int = 11) -> SyntheticResult:
    """Runs every synthetic partner through sync, match and links under ``root``."""
    dataset = generate_dataset(root / "sources", youth=youth, seed=seed)
    stages: dict[str, float] = defaultdict(float)
    predicted: dict[tuple[str, str], str] = {}
    with LocalHub(root / "hub", link_scope="hub") as hub:
        setups = [hub.add_partner(p.name, p.path, p.record_key, p.identifiers, p.attributes)
                  for p in dataset.partners]
        for stage, action in (("sync", lambda s: hub.agent(s, "sync")),):
            for setup in setups:
                started = time.perf_counter()
                action(setup)
                stages[stage] += time.perf_counter() - started
        started = time.perf_counter()
        hub.coordinator("match")
        stages["match"] += time.perf_counter() - started
        for setup in setups:
            out = setup.folder / "links.csv"
            started = time.perf_counter()
            hub.agent(setup, "links", "--out", str(out))
            stages["links"] += time.perf_counter() - started
            with open(out, newline="") as handle:
                for row in csv.DictReader(handle):
                    predicted[(setup.name, row["record_key"])] = row["link_id"]
    truth = {key: record.person_id for key, record in dataset.truth.items() if key in predicted}
    groups: dict[str, dict] = defaultdict(dict)
    for key, record in dataset.truth.items():
        if key in predicted:
            groups[record.race_ethnicity][key] = record.person_id
    return SyntheticResult(
        records=len(truth), true_entities=len(set(truth.values())),
        linked_entities=len(set(predicted.values())),
        quality=pairwise_quality(predicted, truth),
        by_group={group: pairwise_quality(predicted, members) for group, members in groups.items()},
        stage_seconds=dict(stages))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youth", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=11)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hublink-synthetic-") as folder:
        result = run_synthetic(Path(folder), arguments.youth, arguments.seed)
    print("\n".join(result.lines()))


if __name__ == "__main__":
    main()
