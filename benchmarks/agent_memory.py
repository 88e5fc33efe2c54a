"""Peak memory of the agent reading a large CSV in chunks: it must stay well under 1 GB.

Writes CSVs of realistic youth records (a synthetic population, repeated with fresh record
keys, programs and occasional typos), then, for each, runs a fresh Python process that
streams the file with ``iter_source`` and normalises every row with ``normalise_record``,
and reports its peak resident memory (``getrusage``) against the file's size. ``--whole``
also measures ``read_source`` (the whole table at once) for comparison.

    .venv/bin/python benchmarks/agent_memory.py [--rows 250000 1000000] [--chunk-rows 50000]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hublink.agent.config import AgentConfig, load_config  # noqa: E402
from hublink.agent.settings_render import render_config  # noqa: E402

TARGET_MEGABYTES = 1024
TODAY = date(2025, 7, 1)
HEADER = ["STUDENT_ID", "FIRST", "MIDDLE", "LAST", "BIRTH_DT", "GENDER", "STREET_NO", "STREET",
          "CITY", "ZIP", "RACE_ETHNICITY", "PROGRAM"]
PROGRAMS = ["Summer Camp", "YouthWorks", "Reading Club", "Swim Lessons", "Coding, Level 1",
            "Soccer League", "Art Studio", "Library Teens"]


def write_youth_csv(path: Path, rows: int, seed: int = 7) -> None:
    """Writes ``rows`` realistic youth records to ``path``: a synthetic population of up to
    20,000 people, cycled with new record keys and programs, and a typo in one name in 20."""
    from hublink.synthetic import generate_population
    rng = random.Random(seed)
    people = generate_population(min(rows, 20_000), seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for index in range(rows):
            person = people[index % len(people)]
            first = person.given_name
            if rng.random() < 0.05 and len(first) > 2:
                cut = rng.randrange(1, len(first) - 1)
                first = first[:cut] + first[cut + 1] + first[cut] + first[cut + 2:]
            writer.writerow([f"S{index:07d}", first, person.middle_name, person.family_name,
                             person.birth_date.strftime("%m/%d/%Y"), person.sex,
                             person.street_number, person.street_name, person.city, person.zip,
                             person.race_ethnicity, rng.choice(PROGRAMS)])


def _config(folder: Path, source: Path, chunk_rows: int) -> AgentConfig:
    path = folder / f"{source.stem}.toml"
    path.write_text(render_config({
        "coordinator": {"url": "http://127.0.0.1:9", "token_file": "partner.token"},
        "linkage": {"secret_file": "linkage.secret"},
        "source": {"path": str(source), "record_key": "STUDENT_ID", "chunk_rows": chunk_rows},
        "identifiers": {"first_name": "FIRST", "middle_name": "MIDDLE", "last_name": "LAST",
                        "dob": "BIRTH_DT", "dob_format": "%m/%d/%Y", "sex": "GENDER",
                        "address": ["STREET_NO", "STREET"], "city": "CITY", "zip": "ZIP"},
        "attributes": {"race_ethnicity": "RACE_ETHNICITY", "program": "PROGRAM"},
    }))
    return load_config(path)


def _peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def measure(source: Path, chunk_rows: int, whole: bool) -> dict[str, float]:
    """Given a CSV, reads it as the agent does (streaming, or whole with ``whole``) and
    normalises every row; returns peak memory before and after, rows and seconds."""
    from hublink.agent.normalise import RawIdentifiers, normalise_record
    from hublink.agent.readers import iter_source, read_source
    config = _config(Path(tempfile.mkdtemp()), source, chunk_rows)
    baseline = _peak_megabytes()
    started = time.perf_counter()
    chunks = [(0, read_source(config))] if whole else iter_source(config)
    rows = 0
    for _, chunk in chunks:
        address = (chunk["STREET_NO"] + " " + chunk["STREET"]).str.strip()
        for first, middle, last, dob, sex, street, city, zip_code in zip(
                chunk["FIRST"], chunk["MIDDLE"], chunk["LAST"], chunk["BIRTH_DT"],
                chunk["GENDER"], address, chunk["CITY"], chunk["ZIP"]):
            normalise_record(RawIdentifiers(first_name=first or None, middle_name=middle or None,
                                            last_name=last or None, dob=dob or None,
                                            sex=sex or None, address=street or None,
                                            city=city or None, zip=zip_code or None),
                             "%m/%d/%Y", TODAY)
            rows += 1
    return {"baseline_mb": baseline, "peak_mb": _peak_megabytes(), "rows": rows,
            "seconds": time.perf_counter() - started}


def _measure_in_subprocess(source: Path, chunk_rows: int, whole: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--measure", str(source), "--chunk-rows", str(chunk_rows)]
    output = subprocess.run(command + (["--whole"] if whole else []), check=True,
                            capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--whole", action="store_true",
                        help="also measure read_source, the whole table at once")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(measure(arguments.measure, arguments.chunk_rows, arguments.whole)))
        return
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'rows':>10} {'file MB':>8} {'mode':>10} {'baseline MB':>12} {'peak MB':>8} "
              f"{'rows/s':>8}")
        worst = 0.0
        for rows in arguments.rows:
            source = Path(folder) / f"youth-{rows}.csv"
            write_youth_csv(source, rows)
            size = source.stat().st_size / 2**20
            for whole in ([False, True] if arguments.whole else [False]):
                result = _measure_in_subprocess(source, arguments.chunk_rows, whole)
                if not whole:
                    worst = max(worst, result["peak_mb"])
                print(f"{result['rows']:>10,} {size:>8.0f} {'whole' if whole else 'streamed':>10} "
                      f"{result['baseline_mb']:>12.0f} {result['peak_mb']:>8.0f} "
                      f"{result['rows'] / result['seconds']:>8,.0f}")
        verdict = "meets" if worst < TARGET_MEGABYTES else "MISSES"
        print(f"streamed peak {worst:.0f} MB: {verdict} the {TARGET_MEGABYTES} MB target "
              f"(chunks of {arguments.chunk_rows:,} rows)")


if __name__ == "__main__":
    main()
