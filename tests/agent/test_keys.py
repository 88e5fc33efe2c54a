import stat

import pytest

from hublink.agent.keys import (create_secret_file, load_or_create_pseudonym_key, pseudonymise,
                                read_linkage_secret)
from hublink.shared.errors import ConfigError


def test_keygen_writes_a_private_256_bit_secret(tmp_path):
    path = tmp_path / "linkage.secret"
    create_secret_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(read_linkage_secret(path)) == 32
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        create_secret_file(path)


def test_secret_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "linkage.secret"
    create_secret_file(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        read_linkage_secret(path)


@pytest.mark.parametrize("content", ["abc", "zz" * 40, "ab" * 31])
def test_short_or_malformed_secret_is_refused(tmp_path, content):
    path = tmp_path / "linkage.secret"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="256 bits"):
        read_linkage_secret(path)


def test_pseudonyms_are_keyed_stable_and_hide_the_key(tmp_path):
    key = load_or_create_pseudonym_key(tmp_path / "state")
    assert load_or_create_pseudonym_key(tmp_path / "state") == key
    other = load_or_create_pseudonym_key(tmp_path / "other")
    assert pseudonymise(key, "S001") == pseudonymise(key, "S001")
    assert pseudonymise(key, "S001") != pseudonymise(other, "S001")
    assert "S001" not in pseudonymise(key, "S001")


def test_a_secret_retired_by_a_rotation_is_refused(tmp_path):
    from hublink.agent.keys import secret_fingerprint
    from hublink.agent.state import SyncState

    old, new = secret_fingerprint(b"\x01" * 32), secret_fingerprint(b"\x02" * 32)
    assert old != new and len(old) == 64
    with SyncState(tmp_path) as state:
        state.check_secret(old)
        state.record_secret(old)
        state.record_secret(old)
        state.check_secret(old)
        state.record_secret(new)
        state.check_secret(new)
        with pytest.raises(ConfigError, match="earlier key rotation"):
            state.check_secret(old)
        stored = state.connection.execute("SELECT fingerprint FROM secrets").fetchall()
    assert sorted(row[0] for row in stored) == sorted([old, new])
