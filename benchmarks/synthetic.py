"""Synthetic youth data through the real pipeline: quality overall, per race/ethnicity group and
per corruption type.

Every partner of the synthetic generator syncs to a coordinator on loopback, the coordinator
matches with its defaults (thresholds estimated for the run), and the agents fetch hub-wide
link IDs. Recall by corruption type counts the true pairs with the error in either record.
``--mixed-dates`` runs the partners' real-world files (one row per enrollment, mostly cp1252)
twice, with each partner's one date format and with its mix of date forms read by
``dob_format = "auto"``, and prints both and the difference; the analyst export is checked
to hold every enrollment.

    .venv/bin/python benchmarks/synthetic.py [--youth 8000] [--seed 11] [--mixed-dates]
"""

from __future__ import annotations

import argparse
import csv
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo.evaluation import PairwiseQuality, pairwise_quality  # noqa: E402
from demo.local_hub import LocalHub  # noqa: E402
from demo.outputs import write_demo_project  # noqa: E402
from hublink.synthetic import DEFAULT_PARTNERS, generate_dataset, real_world_partners  # noqa: E402

# Groups with fewer true pairs than this are reported but not held to the recall spread.
MIN_PAIRS_FOR_SPREAD = 100
# The corruption types, as the generator's error kinds.
CORRUPTION_TYPES: dict[str, tuple[str, ...]] = {
    "swapped name order": ("name_order_swap",),
    "nickname": ("nickname",),
    "compound surname form": ("compound_first_only", "compound_rejoined", "compound_last_only",
                              "maternal_as_middle"),
    "day/month swap": ("day_month_swap",),
    "typo": ("typo",),
    "moved": ("moved",),
    "surname change": ("surname_change",),
    "missing field": ("dob_missing", "address_missing", "sex_missing", "middle_missing"),
    # beyond the list: the Asian and Hispanic naming conventions of the generator
    "transliteration": ("transliteration",),
    "given name form": ("given_name_form", "middle_in_given"),
}


class LinkageFigures:
    """Figures both quality benchmarks derive from ``linked_entities``, ``true_entities``,
    ``by_group`` and ``by_corruption``."""

    linked_entities: int
    true_entities: int
    by_group: dict[str, PairwiseQuality]
    by_corruption: dict[str, tuple[int, int]]

    @property
    def count_error(self) -> float:
        """Linked entities relative to the true number of youth, minus one (+0.01 = 1% too many)."""
        return self.linked_entities / self.true_entities - 1

    @property
    def recall_spread_points(self) -> float:
        """Largest minus smallest recall, in percentage points, over groups with enough pairs."""
        recalls = [q.recall for q in self.by_group.values() if q.true_pairs >= MIN_PAIRS_FOR_SPREAD]
        return 100 * (max(recalls) - min(recalls))

    def corruption_recall(self, kind: str) -> float:
        """Share of true pairs with this corruption in either record that were linked."""
        pairs, linked = self.by_corruption[kind]
        return linked / pairs if pairs else 1.0


@dataclass
class SyntheticResult(LinkageFigures):
    records: int
    true_entities: int
    linked_entities: int
    quality: PairwiseQuality
    by_group: dict[str, PairwiseQuality]
    stage_seconds: dict[str, float] = field(default_factory=dict)
    source_rows: int = 0
    exported_rows: int = 0
    by_corruption: dict[str, tuple[int, int]] = field(default_factory=dict)
    """corruption type -> (true pairs with it in either record, of them linked)."""

    def lines(self) -> list[str]:
        q = self.quality
        lines = [f"synthetic youth: {self.records} records; {self.linked_entities} linked entities vs "
                 f"{self.true_entities} true; precision {q.precision:.4f} recall {q.recall:.4f} "
                 f"F1 {q.f1:.4f}", "  recall by race/ethnicity (true pairs):"]
        for group, quality in sorted(self.by_group.items()):
            lines.append(f"    {group:<40} {quality.recall:.4f} ({quality.true_pairs})")
        lines.append(f"  recall spread over groups with >= {MIN_PAIRS_FOR_SPREAD} true pairs: "
                     f"{self.recall_spread_points:.2f} points")
        if self.exported_rows:
            lines.append(f"  analyst export: {self.exported_rows} rows for {self.source_rows} "
                         "enrollment rows in the partner files")
        lines.append(f"  unduplicated count {self.linked_entities} vs {self.true_entities} true: "
                     f"{self.count_error:+.2%}")
        lines.append("  recall by corruption type (true pairs with it in either record):")
        for kind, (pairs, linked) in self.by_corruption.items():
            lines.append(f"    {kind:<40} {linked / pairs if pairs else 1.0:.4f} ({pairs})")
        lines.append("  seconds: " + ", ".join(f"{stage} {seconds:.1f}s"
                                               for stage, seconds in self.stage_seconds.items()))
        return lines


def run_synthetic(root: Path, youth: int = 8000, seed: int = 11,
                  partners=DEFAULT_PARTNERS, secret: bytes | None = None) -> SyntheticResult:
    """Runs every synthetic partner through sync, match and links under ``root``; with
    partners whose files hold enrollments, the analyst export too. The linkage secret is
    ``secret`` when given (the figures then repeat exactly), else a new one."""
    dataset = generate_dataset(root / "sources", youth=youth, seed=seed, partners=partners)
    stages: dict[str, float] = defaultdict(float)
    predicted: dict[tuple[str, str], str] = {}
    exported_rows = 0
    with LocalHub(root / "hub", link_scope="hub", secret=secret) as hub:
        setups = [hub.add_partner(p.name, p.path, p.record_key, p.identifiers, p.attributes,
                                  extra={"enrollments": p.enrollments,
                                         "source": p.source_options,
                                         "enrollment_file": p.enrollment_file})
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
        if any(p.enrollments for p in dataset.partners):
            export = root / "export.csv"
            project = write_demo_project(hub.root, [p.name for p in dataset.partners])
            hub.coordinator("project", "create", str(project))
            approver = hub.coordinator("token", "issue", "--role", "approver", "--label",
                                       "Community Oversight Board").stdout.strip().splitlines()[-1]
            (hub.root / "approver.token").write_text(approver + "\n")
            hub.coordinator("project", "approve", "see-demo", "--token-file",
                            str(hub.root / "approver.token"))
            hub.coordinator("export", "--project", "see-demo", "--out", str(export))
            with open(export, newline="", encoding="utf-8") as handle:
                exported_rows = sum(1 for _ in csv.DictReader(handle))
    # Every record of the files, those the agents did not send (too few identifiers to link)
    # too: they are missed links and, for a youth in no sent record, a youth the count misses.
    truth = {key: record.person_id for key, record in dataset.truth.items()}
    groups: dict[str, dict] = defaultdict(dict)
    for key, record in dataset.truth.items():
        groups[record.race_ethnicity][key] = record.person_id
    return SyntheticResult(
        by_corruption=recall_by_corruption(dataset.truth, predicted),
        records=len(truth), true_entities=len(set(truth.values())),
        linked_entities=len(set(predicted.values())),
        quality=pairwise_quality(predicted, truth),
        by_group={group: pairwise_quality(predicted, members) for group, members in groups.items()},
        stage_seconds=dict(stages), exported_rows=exported_rows,
        source_rows=sum(p.row_count for p in dataset.partners if p.enrollments))


def run_date_comparison(root: Path, youth: int = 8000, seed: int = 11,
                        secret: bytes | None = None) -> tuple[SyntheticResult, SyntheticResult]:
    """Runs the real-world partner files with clean dates, then with mixed date forms (the
    same people, errors, enrollments and linkage secret, so that only the dates differ);
    returns both results."""
    secret = secret or secrets.token_bytes(32)
    clean = run_synthetic(root / "clean", youth, seed, real_world_partners(mixed_dates=False),
                          secret)
    mixed = run_synthetic(root / "mixed", youth, seed, real_world_partners(mixed_dates=True),
                          secret)
    return clean, mixed


def comparison_lines(clean: SyntheticResult, mixed: SyntheticResult) -> list[str]:
    """Returns both results and the difference in F1 and recall, in percentage points."""
    return (["clean dates (each partner's one dob_format):", *clean.lines(),
             'mixed date forms (dob_format = "auto"):', *mixed.lines(),
             f"mixed minus clean: F1 {100 * (mixed.quality.f1 - clean.quality.f1):+.2f} points, "
             f"recall {100 * (mixed.quality.recall - clean.quality.recall):+.2f} points"])


def recall_by_corruption(truth: dict, predicted: dict) -> dict[str, tuple[int, int]]:
    """Given the truth and record -> link ID (a record the agent did not send has none, and
    links to nothing), returns per corruption type (true pairs, linked)."""
    by_person: dict[str, list] = defaultdict(list)
    for key, record in truth.items():
        by_person[record.person_id].append(key)
    counts = {kind: [0, 0] for kind in CORRUPTION_TYPES}
    for keys in by_person.values():
        for first, second in combinations(keys, 2):
            errors = set(truth[first].errors) | set(truth[second].errors)
            linked = first in predicted and predicted.get(first) == predicted.get(second)
            for kind, members in CORRUPTION_TYPES.items():
                if errors.intersection(members):
                    counts[kind][0] += 1
                    counts[kind][1] += linked
    return {kind: (pairs, linked) for kind, (pairs, linked) in counts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youth", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--mixed-dates", action="store_true",
                        help="compare mixed date forms with clean dates on real-world files")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hublink-synthetic-") as folder:
        if arguments.mixed_dates:
            lines = comparison_lines(*run_date_comparison(Path(folder), arguments.youth,
                                                          arguments.seed))
        else:
            lines = run_synthetic(Path(folder), arguments.youth, arguments.seed).lines()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
