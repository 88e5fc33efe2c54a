"""Encryption at rest: nothing stored opens without the key, nothing moves between rows, and a
data-key rotation re-seals everything and keeps it readable."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.storage.models import Encoding, RecordAttributes
from hublink.coordinator.storage.rekey import rotate_data_key
from hublink.coordinator.storage.sealed_records import open_attributes, open_clk
from hublink.coordinator.storage.sealing import SealingError, Sealer, load_sealer
from tests.helpers import make_chunk, make_start
from tests.helpers import sync


def stored_rows(home):
    with home.database.session() as session:
        return (session.execute(select(Encoding.partner_id, Encoding.pseudonym, Encoding.clk)).all(),
                session.execute(select(RecordAttributes.partner_id, RecordAttributes.pseudonym,
                                       RecordAttributes.attributes)).all())


def test_clks_and_attributes_are_sealed_at_rest(client, home, auth):
    chunk = make_chunk(5, program="Summer Camp")
    sync(client, auth, [chunk])
    encodings, attributes = stored_rows(home)
    raw = [chunk.clks[i * 128:(i + 1) * 128] for i in range(5)]
    assert all(Sealer.is_sealed(clk) and clk not in raw for _, _, clk in encodings)
    assert "Summer Camp" not in json.dumps([stored for _, _, stored in attributes])
    opened = {pseudonym: open_clk(home.sealer, partner, pseudonym, clk)
              for partner, pseudonym, clk in encodings}
    assert opened == dict(zip(chunk.pseudonyms, raw))
    assert {open_attributes(home.sealer, p, q, a)["program"] for p, q, a in attributes} == {"Summer Camp"}


def test_a_sealed_value_moved_to_another_row_does_not_open(client, home, auth):
    sync(client, auth, [make_chunk(2)])
    (first_partner, first, first_clk), (_, second, _) = stored_rows(home)[0]
    with pytest.raises(SealingError, match="integrity"):
        open_clk(home.sealer, first_partner, second, first_clk)
    tampered = bytearray(first_clk)
    tampered[-1] ^= 1
    with pytest.raises(SealingError):
        open_clk(home.sealer, first_partner, first, bytes(tampered))


def test_spooled_chunks_are_sealed(client, home, auth):
    start = make_start()
    client.post("/api/v1/syncs", json=start.to_wire(), headers=auth)
    chunk = make_chunk(3, program="Summer Camp")
    client.put(f"/api/v1/syncs/{start.sync_id}/chunks/0", json=chunk.to_wire(), headers=auth)
    [path] = (home.path / "spool").rglob("*.json")
    content = path.read_bytes()
    assert b"Summer Camp" not in content and chunk.pseudonyms[0].encode() not in content
    assert base64.b64encode(chunk.clks)[:40] not in content


def test_rotation_re_seals_everything_and_retires_the_old_key(client, home, auth):
    sync(client, auth, [make_chunk(4, program="camp")])
    open_sync = make_start()
    client.post("/api/v1/syncs", json=open_sync.to_wire(), headers=auth)
    client.put(f"/api/v1/syncs/{open_sync.sync_id}/chunks/0", json=make_chunk(2).to_wire(), headers=auth)
    before = sorted(open_clk(home.sealer, p, q, c) for p, q, c in stored_rows(home)[0])
    counts = rotate_data_key(home)
    assert counts == {"key": 2, "encodings": 4, "attributes": 4, "spooled_chunks": 1}
    fresh = CoordinatorHome(home.path)
    assert set(fresh.sealer.keys) == {2}
    encodings, attributes = stored_rows(fresh)
    assert {fresh.sealer.key_of(clk) for _, _, clk in encodings} == {2}
    assert sorted(open_clk(fresh.sealer, p, q, c) for p, q, c in encodings) == before
    assert {open_attributes(fresh.sealer, p, q, a)["program"] for p, q, a in attributes} == {"camp"}
    answer = client.post(f"/api/v1/syncs/{open_sync.sync_id}/commit", headers=auth,
                         json={"format": "hublink.sync/1", "chunk_count": 1, "record_count": 2})
    assert answer.status_code == 200


def test_key_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBLINK_DATA_KEY", "ab" * 32)
    sealer = load_sealer(tmp_path)
    assert sealer.open(sealer.seal(b"x", b"c"), b"c") == b"x"
    assert not (tmp_path / "keys").exists()
    monkeypatch.setenv("HUBLINK_DATA_KEY", "ab" * 8)
    with pytest.raises(SealingError, match="64 hexadecimal digits"):
        load_sealer(tmp_path)


def test_keyring_file_is_private(tmp_path, monkeypatch):
    monkeypatch.delenv("HUBLINK_DATA_KEY", raising=False)
    load_sealer(tmp_path)
    assert (tmp_path / "keys" / "data-keys").stat().st_mode & 0o077 == 0


def test_a_running_process_picks_up_a_rotated_key(tmp_path, monkeypatch):
    monkeypatch.delenv("HUBLINK_DATA_KEY", raising=False)
    serving, rotating = load_sealer(tmp_path), load_sealer(tmp_path)
    old = serving.seal(b"clk", b"row")
    new_id = rotating.add_key()
    assert serving.key_of(serving.seal(b"clk", b"row")) == new_id
    assert rotating.open(old, b"row") == b"clk"
    rotating.retire_keys_except(new_id)
    assert set(load_sealer(tmp_path).keys) == {new_id}


def _load_in_process(home: str, start: float, queue) -> None:  # type: ignore[no-untyped-def]
    import time

    time.sleep(max(0.0, start - time.time()))  # every process starts together
    try:
        sealer = load_sealer(Path(home))
        queue.put(sealer.keys[sealer.current_id].hex())
    except Exception as error:  # noqa: BLE001 - reported to the test
        queue.put(f"error: {error!r}")


def test_workers_starting_together_on_a_new_home_share_one_data_key(tmp_path, monkeypatch):
    """gunicorn's workers each load the sealer of a new home at once: exactly one creates the
    keyring and every one seals with that key (a worker with a key the file lost would seal
    data nobody can open again; sharing one temporary file crashed workers at boot)."""
    import multiprocessing
    import time

    monkeypatch.delenv("HUBLINK_DATA_KEY", raising=False)
    monkeypatch.delenv("HUBLINK_DATA_KEY_FILE", raising=False)
    context = multiprocessing.get_context("fork")
    for attempt in range(5):
        home = tmp_path / f"home-{attempt}"
        queue = context.Queue()
        start = time.time() + 0.3
        processes = [context.Process(target=_load_in_process, args=(str(home), start, queue)) for _ in range(8)]
        for process in processes:
            process.start()
        keys = [queue.get(timeout=30) for _ in processes]
        for process in processes:
            process.join(timeout=30)
        assert not [key for key in keys if key.startswith("error")], keys
        assert len(set(keys)) == 1, keys
        assert load_sealer(home).keys[1].hex() == keys[0]
        assert [path.name for path in (home / "keys").iterdir()] == ["data-keys"]  # no temporary left
