"""Peak memory and time of a whole `hublink-agent sync` of a 1,000,000-row CSV.

Writes the CSV with ``agent_memory.write_youth_csv``, starts a coordinator on loopback, runs
the real agent command (first a full sync, then an unchanged re-sync) and reports each
process's peak resident memory (``wait4``) and seconds. Target: well under 1 GB.

    .venv/bin/python benchmarks/agent_sync_memory.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.agent_memory import HEADER, PROGRAMS, write_youth_csv  # noqa: E402
from demo.local_hub import LocalHub  # noqa: E402
from hublink.synthetic.names import AIAN, ASIAN, BLACK, HISPANIC, MENA, MULTIRACIAL, NHPI, WHITE  # noqa: E402

IDENTIFIERS = {"first_name": "FIRST", "middle_name": "MIDDLE", "last_name": "LAST",
               "dob": "BIRTH_DT", "dob_format": "%m/%d/%Y", "sex": "GENDER",
               "address": ["STREET_NO", "STREET"], "city": "CITY", "zip": "ZIP"}
ATTRIBUTES = {"race_ethnicity": "RACE_ETHNICITY", "program": "PROGRAM"}
# the hub declares the values write_youth_csv writes (its allow-list refuses undeclared ones)
DECLARATIONS = "\n".join(
    f'[attributes.{name}]\ntype = "category"\nvalues = {json.dumps(sorted(values))}\n'
    for name, values in (("race_ethnicity", [AIAN, ASIAN, BLACK, HISPANIC, MENA, MULTIRACIAL, NHPI, WHITE]),
                         ("program", PROGRAMS)))


def _measured(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Runs a command; returns (seconds, peak resident MB, last output line)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    _, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read().strip().splitlines()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(process.stderr.read())
    return time.perf_counter() - started, usage.ru_maxrss / 1024, output[0] if output else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hublink-sync-memory-") as folder:
        root = Path(folder)
        source = root / "students.csv"
        write_youth_csv(source, arguments.rows)
        print(f"{arguments.rows:,} rows, {source.stat().st_size / 1e6:.0f} MB CSV "
              f"({len(HEADER)} columns)", flush=True)
        with LocalHub(root / "hub", declarations=DECLARATIONS) as hub:
            setup = hub.add_partner("district", source, "STUDENT_ID", IDENTIFIERS, ATTRIBUTES)
            command = [str(Path(sys.executable).parent / "hublink-agent"), "--config",
                       str(setup.config_path), "sync"]
            for label in ("first (full) sync", "unchanged re-sync"):
                seconds, megabytes, line = _measured(command, setup.folder)
                print(f"{label}: {seconds:.0f} s, agent peak memory {megabytes:.0f} MB; {line}",
                      flush=True)


if __name__ == "__main__":
    main()
