"""The city scale from the architecture: ~250k records of 80+ partners, matched end to end.

~180k synthetic youth are generated and encoded exactly as the agent does
(``benchmarks/realistic_clks.py``); the six generated partners' records are then dealt out at
random to 84 datasets, each partner keeping a share of the datasets in proportion to its size
(a program's sites). ``match_partners`` runs with its default settings; its stage seconds,
comparisons and entities are printed with pairwise precision, recall and F1 against the truth,
the unduplicated count's error, and recall by corruption type and by race/ethnicity group
(:func:`city_quality`). ``--schema`` encodes with another bundled schema (``linkage-v2``).

    .venv/bin/python benchmarks/scale.py [--youth 180000] [--partners 84] [--seed 11] [--schema ID]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path


if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.process_usage import cpu_seconds, start_workers  # noqa: E402
from benchmarks.realistic_clks import RealisticClks, load_realistic_clks, split_partners  # noqa: E402
from benchmarks.synthetic import CORRUPTION_TYPES, MIN_PAIRS_FOR_SPREAD, LinkageFigures  # noqa: E402
from demo.evaluation import PairwiseQuality, pairwise_quality  # noqa: E402
from hublink.coordinator.matching import MatchResult, MatchSettings, match_partners  # noqa: E402
from hublink.coordinator.matching.records import pack_datasets  # noqa: E402

TARGET_SECONDS = 15


@dataclass(frozen=True)
class CityQuality(LinkageFigures):
    """Linkage quality of one match against the generator's truth."""

    quality: PairwiseQuality
    linked_entities: int
    true_entities: int
    by_group: dict[str, PairwiseQuality]
    by_corruption: dict[str, tuple[int, int]]
    """corruption type -> (true pairs with it in either record, of them linked)."""

    def lines(self) -> list[str]:
        q = self.quality
        lines = [f"entities {self.linked_entities:,} vs {self.true_entities:,} true "
                 f"(unduplicated count {self.count_error:+.2%}); pairwise precision {q.precision:.4f} "
                 f"recall {q.recall:.4f} F1 {q.f1:.4f} ({q.true_pairs:,} true pairs)",
                 "recall by corruption type (true pairs with it in either record):"]
        lines += [f"    {kind:<24} {self.corruption_recall(kind):.4f} ({pairs:,})"
                  for kind, (pairs, _) in self.by_corruption.items()]
        lines.append("recall by race/ethnicity group (true pairs):")
        lines += [f"    {group:<40} {quality.recall:.4f} ({quality.true_pairs:,})"
                  for group, quality in sorted(self.by_group.items())]
        lines.append(f"recall spread over groups with >= {MIN_PAIRS_FOR_SPREAD} true pairs: "
                     f"{self.recall_spread_points:.2f} points")
        return lines


def city_quality(data: RealisticClks, result: MatchResult) -> CityQuality:
    """Given the encoded city and a match of it, returns its quality against the truth."""
    truth = data.truth()
    predicted = {member: index for index, group in enumerate(result.groups) for member in group}
    by_group: dict[str, dict] = defaultdict(dict)
    by_person: dict[int, list] = defaultdict(list)
    for (dataset, record), person in truth.items():
        by_person[person].append((dataset, record))
        if dataset != "unsent":  # the breakdowns cover the records the agents sent
            by_group[data.groups[dataset][record]][(dataset, record)] = person
    counts = {kind: [0, 0] for kind in CORRUPTION_TYPES}
    for records in by_person.values():
        sent = [record for record in records if record[0] != "unsent"]
        for first, second in combinations(sent, 2):
            errors = set(data.errors[first[0]][first[1]]) | set(data.errors[second[0]][second[1]])
            linked = predicted[first] == predicted[second]
            for kind, members in CORRUPTION_TYPES.items():
                if errors.intersection(members):
                    counts[kind][0] += 1
                    counts[kind][1] += linked
    return CityQuality(
        quality=pairwise_quality(predicted, truth), linked_entities=result.entity_count,
        true_entities=len(by_person),
        by_group={group: pairwise_quality(predicted, members) for group, members in by_group.items()},
        by_corruption={kind: (pairs, linked) for kind, (pairs, linked) in counts.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youth", type=int, default=180_000)
    parser.add_argument("--partners", type=int, default=84)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--schema", help="bundled linkage schema id (default: the default schema)")
    parser.add_argument("--blocking", help="TABLESxBITS instead of the default LSH settings (exploration)")
    parser.add_argument("--threshold", type=float, help="cross-partner threshold (exploration)")
    parser.add_argument("--within-threshold", type=float, help="within-partner threshold (exploration)")
    parser.add_argument("--merge-threshold", type=float, help="solver merge threshold (exploration)")
    arguments = parser.parse_args()

    data = split_partners(load_realistic_clks(arguments.youth, arguments.seed, schema_id=arguments.schema),
                          arguments.partners)
    datasets = data.partner_clks()
    settings = MatchSettings()
    chosen = {"threshold": arguments.threshold, "within_threshold": arguments.within_threshold,
              "merge_threshold": arguments.merge_threshold}
    settings = replace(settings, **{key: value for key, value in chosen.items() if value is not None})
    if arguments.blocking:
        tables, bits = (int(part) for part in arguments.blocking.split("x"))
        settings = replace(settings, blocking=replace(settings.blocking, tables=tables, bits_per_table=bits))
    blocking = settings.blocking.for_clks(pack_datasets(datasets[:1]).rows)  # as match_partners fits it
    n = data.record_count
    sizes = [len(persons) for persons in data.persons]
    print(f"{n:,} records in {len(datasets)} datasets (sizes {min(sizes):,} to {max(sizes):,}); "
          f"{os.cpu_count()} cores; blocking {blocking.tables}x{blocking.bits_per_table}"
          f"{' (not the default)' if arguments.blocking else ''}; schema {arguments.schema or 'default'}; "
          f"{len(data.unsent):,} rows not sent (too few identifiers to link; missed links in the figures)")

    started = time.perf_counter()
    start_workers(datasets, settings)
    print(f"worker processes started (a process pays this once): {time.perf_counter() - started:.1f}s; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = match_partners(datasets, settings)
    total, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started

    stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in result.stage_seconds.items())
    print(f"match_partners: {total:.1f}s end to end ({stages}; CPU {cpu:.1f}s in all processes); target under {TARGET_SECONDS}s: "
          f"{'met' if total < TARGET_SECONDS else 'NOT met'}; load average {os.getloadavg()[0]:.1f}")
    print(f"comparisons {result.comparisons:,} = {result.comparisons / (n * (n - 1) / 2):.2%} of n²/2; "
          f"{result.candidate_pairs:,} candidate pairs; strategy {result.strategy}; "
          f"{result.split_blocks} blocks split; thresholds {result.thresholds[0]:.3f} across, "
          f"{result.thresholds[1]:.3f} within")
    print("\n".join(city_quality(data, result).lines()))


if __name__ == "__main__":
    main()
