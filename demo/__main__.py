"""`make demo`: synthetic partners -> real coordinator on loopback -> sync, match, links, then
a data-sharing project: created, approved by an approver token, published with disclosure
control, exported as Parquet.

Ends by printing, from the published tables the coordinator serves, the unduplicated youth
count, the multi-program count and the partner overlap matrix beside the generator's truth,
then writes the project's printable report (HTML, and PDF by headless Chromium when it is
installed) and prints the dashboard's URL; run in a terminal, it keeps serving the dashboard
until interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import time
from pathlib import Path

from demo.local_hub import LocalHub
from demo.outputs import report_lines
from demo.pipeline import publish_demo
from hublink.synthetic import generate_dataset


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--youth", type=int, default=8000, help="size of the true population")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--root", type=Path, default=Path("demo-home"))
    arguments = parser.parse_args()
    started = time.perf_counter()
    root = arguments.root.resolve()
    shutil.rmtree(root, ignore_errors=True)
    dataset = generate_dataset(root / "sources", youth=arguments.youth, seed=arguments.seed)
    print(f"generated {sum(p.record_count for p in dataset.partners)} records about "
          f"{arguments.youth} youth at {len(dataset.partners)} partners "
          f"({time.perf_counter() - started:.1f}s)")

    with LocalHub(root / "hub") as hub:
        print(f"coordinator serving on {hub.url} (home {hub.home})")
        setups = publish_demo(hub, dataset)
        for setup in setups:
            print(f"[{setup.name}] " + hub.agent(setup, "links", "--out",
                                                 str(setup.folder / "links.csv")).stdout.strip())
        export_path = hub.root / "linked.csv"
        hub.coordinator("export", "--project", "see-demo", "--out", str(export_path))
        parquet_path = hub.root / "linked.parquet"
        print(hub.coordinator("export", "--project", "see-demo", "--format", "parquet", "--out",
                              str(parquet_path)).stdout.strip())
        published = report_lines(hub.url, dataset)
        exported = _read_csv(export_path)
        written = hub.coordinator("report", "see-demo", "--out", str(root / "report"), check=False)

        print(f"\npublished tables of project see-demo (k = 11), {len(exported)} exported records, "
              "beside the truth:")
        print("\n".join(published))
        print("\n" + (written.stdout + written.stderr).strip())
        print(f"\ndemo finished in {time.perf_counter() - started:.1f}s; files under {root}")
        print(f"dashboard: {hub.url}/projects/see-demo/")
        if sys.stdin.isatty() and sys.stdout.isatty():
            print("serving the dashboard until interrupted (Ctrl-C)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("stopped")


if __name__ == "__main__":
    main()
