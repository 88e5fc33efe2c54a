"""A partner whose roster has no ID column: the name and date-of-birth columns are its record key,
through sync, links, a corrected spelling and the opt-out list, against a real coordinator."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from demo.local_hub import LocalHub
from hublink.agent.keys import pseudonymise
from hublink.agent.normalise.text import KEY_PART_SEPARATOR
from hublink.synthetic import generate_dataset
from tests.integration.recording_proxy import RecordingProxy
from tests.integration.test_incremental_sync import coordinator_pseudonyms, rows_of, write_rows

PARTNER = "rec_and_parks"


@pytest.fixture
def keyless(tmp_path):
    dataset = generate_dataset(tmp_path / "sources", youth=400, seed=7)
    partner = next(p for p in dataset.partners if p.name == PARTNER)
    fieldnames, rows = rows_of(partner.path)
    key = [partner.identifiers["last_name"], partner.identifiers["first_name"],
           partner.identifiers["dob"]]
    seen: set[tuple[str, ...]] = set()
    unique = []  # one row per key: this roster lists each youth once
    for row in rows:
        parts = tuple(" ".join(row[column].split()).casefold() for column in key)
        if parts not in seen:
            seen.add(parts)
            unique.append({name: row[name] for name in fieldnames if name != partner.record_key})
    source = tmp_path / "roster.csv"
    write_rows(source, [name for name in fieldnames if name != partner.record_key], unique)
    with LocalHub(tmp_path / "hub") as running:
        proxy = RecordingProxy(running.url).start()
        setup = running.add_partner(PARTNER, source, key, partner.identifiers, partner.attributes,
                                    extra={"coordinator": {"url": proxy.url}})
        other = dataset.partners[0]
        schools = running.add_partner(other.name, other.path, other.record_key, other.identifiers,
                                      other.attributes)
        running.agent(schools, "sync")
        yield running, setup, source, key
        proxy.stop()


def expected_pseudonyms(setup, source: Path, key: list[str]) -> set[str]:
    secret = bytes.fromhex((setup.folder / ".hublink-agent" / "pseudonym.key").read_text().strip())
    _, rows = rows_of(source)
    return {pseudonymise(secret, KEY_PART_SEPARATOR.join(
        " ".join(row[column].split()).casefold() for column in key)) for row in rows}


def test_a_roster_without_ids_syncs_links_and_follows_corrections(keyless, tmp_path):
    running, setup, source, key = keyless
    assert "added" in running.agent(setup, "sync").stdout
    assert set(coordinator_pseudonyms(running, PARTNER)) == expected_pseudonyms(setup, source, key)
    running.coordinator("match")

    out = tmp_path / "links.csv"
    running.agent(setup, "links", "--out", str(out))
    with open(out, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == [*key, "link_id"]
        links = {tuple(row[column] for column in key): row["link_id"] for row in reader}
    fieldnames, rows = rows_of(source)
    assert set(links) == {tuple(row[column].strip() for column in key) for row in rows}
    assert all(link_id for link_id in links.values())

    # The same youth retyped in capitals with doubled spaces is the same record ...
    rows[0][key[0]] = "  " + rows[0][key[0]].upper().replace(" ", "  ") + " "
    rows[0][key[1]] = rows[0][key[1]].lower()
    write_rows(source, fieldnames, rows)
    assert running.agent(setup, "sync").stdout.startswith("no changes")
    # ... while a corrected spelling makes a new record in place of the old one.
    rows[1][key[1]] = rows[1][key[1]] + "E"
    write_rows(source, fieldnames, rows)
    assert "1 added, 0 changed, 1 deleted" in running.agent(setup, "sync").stdout
    assert set(coordinator_pseudonyms(running, PARTNER)) == expected_pseudonyms(setup, source, key)


def test_the_opt_out_list_of_a_roster_without_ids_names_the_key_columns(keyless):
    running, setup, source, key = keyless
    running.agent(setup, "sync")
    _, rows = rows_of(source)
    opt_out = setup.folder / "opt-out.csv"
    config = setup.config_path.read_text()
    setup.config_path.write_text(config.replace("[source]\n",
                                                '[source]\nopt_out_file = "opt-out.csv"\n'))
    opt_out.write_text("record_key\nwhatever\n")  # one column cannot name a key of three
    failed = running.agent(setup, "sync", check=False)
    assert failed.returncode != 0 and "lacks" in failed.stderr
    held = len(coordinator_pseudonyms(running, PARTNER))
    assert held == len(rows)

    with open(opt_out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([name.upper() for name in key] + ["reason"])  # header case is free
        for row in rows[:2]:
            writer.writerow([row[column].lower() for column in key] + ["asked"])
    assert "0 added, 0 changed, 2 deleted" in running.agent(setup, "sync").stdout
    assert len(coordinator_pseudonyms(running, PARTNER)) == held - 2
