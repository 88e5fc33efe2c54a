"""Encryption at rest: AES-GCM for every stored CLK, attribute set and spooled chunk.

Keys live in a keyring file (``HUBLINK_DATA_KEY_FILE``, default ``<home>/keys/data-keys``), one
``id:hex`` line per 256-bit key, the last one current; ``HUBLINK_DATA_KEY`` (64 hex digits)
instead gives a single key from the environment. A sealed value is ``b"HLS1" | key id (4 bytes)
| nonce (12 bytes) | ciphertext+tag``, bound by its associated data to where it belongs (table,
partner, pseudonym), so a sealed value moved to another row does not open. Values written
before sealing existed are refused when read, except by ``rotate-data-key``, which seals them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import struct
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hublink.shared.errors import HublinkError

__all__ = ["Sealer", "SealingError", "MAGIC", "load_sealer"]

MAGIC = b"HLS1"
_HEADER = len(MAGIC) + 4 + 12


class SealingError(HublinkError):
    """A key is missing or malformed, or a sealed value does not open."""

    code = "sealing_error"


class Sealer:
    """Seals and opens values with a keyring: the last key seals, every key opens."""

    def __init__(self, keys: dict[int, bytes], path: Path | None = None) -> None:
        if not keys:
            raise SealingError("the data keyring is empty")
        self.keys = dict(keys)
        self.path = path
        self._stamp = self._file_stamp()
        self._ciphers: dict[int, AESGCM] = {}

    def _cipher(self, key_id: int) -> AESGCM:
        # One AESGCM per key: building it runs the key schedule, which costs more than
        # opening one small value.
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            cipher = self._ciphers[key_id] = AESGCM(self.keys[key_id])
        return cipher

    def _file_stamp(self) -> tuple[int, int, int] | None:
        # The keyring is replaced by rename, so its inode changes with every write.
        try:
            status = self.path.stat() if self.path else None
        except FileNotFoundError:
            return None
        return None if status is None else (status.st_ino, status.st_mtime_ns, status.st_size)

    def _refresh(self) -> None:
        """Reloads the keyring when another process (``rotate-data-key``) changed it, so
        every API worker seals under the current key as soon as it exists."""
        stamp = self._file_stamp()
        if stamp is not None and stamp != self._stamp:
            self.keys, self._stamp = _read_keyring(self.path), stamp
            self._ciphers = {}

    @property
    def current_id(self) -> int:
        return max(self.keys)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        """Returns the sealed form of ``plaintext``, bound to ``context``."""
        self._refresh()
        nonce = secrets.token_bytes(12)
        key_id = self.current_id
        return (MAGIC + struct.pack(">I", key_id) + nonce
                + self._cipher(key_id).encrypt(nonce, plaintext, context))

    @staticmethod
    def is_sealed(value: bytes) -> bool:
        return value[:len(MAGIC)] == MAGIC and len(value) > _HEADER

    def key_of(self, value: bytes) -> int | None:
        """Returns the id of the key that sealed ``value`` (None for a plain value)."""
        return struct.unpack(">I", value[4:8])[0] if self.is_sealed(value) else None

    def open(self, value: bytes, context: bytes, allow_plain: bool = False) -> bytes:
        """Returns the plaintext of a sealed value; raises SealingError when its key is
        unknown, it was altered or moved, or it is not sealed at all: a plain value written
        before sealing existed is returned as it is only with ``allow_plain`` (which only
        ``rotate-data-key``, the command that seals such values, passes)."""
        if not self.is_sealed(value):
            if allow_plain:
                return value
            raise SealingError("a value stored at rest is not sealed (written before "
                               "encryption at rest, or planted): run `hublink-coordinator "
                               "rotate-data-key` to seal the values of an older hub")
        key_id = struct.unpack(">I", value[4:8])[0]
        if key_id not in self.keys:
            self._refresh()
        if key_id not in self.keys:
            raise SealingError(f"data key {key_id} is not in the keyring")
        try:
            return self._cipher(key_id).decrypt(value[8:20], value[_HEADER:], context)
        except InvalidTag:
            raise SealingError("a sealed value failed its integrity check") from None

    def add_key(self) -> int:
        """Adds a new current key to the keyring file; returns its id."""
        if self.path is None:
            raise SealingError("the data key comes from HUBLINK_DATA_KEY: rotate it by "
                               "moving to a keyring file (HUBLINK_DATA_KEY_FILE)")
        self._refresh()
        key_id = self.current_id + 1
        self.keys[key_id] = secrets.token_bytes(32)
        self._ciphers.pop(key_id, None)
        _write_keyring(self.path, self.keys)
        self._stamp = self._file_stamp()
        return key_id

    def retire_keys_except(self, keep: int) -> None:
        """Removes every other key from the keyring file (after everything was re-sealed)."""
        if self.path is None:
            return
        self.keys = {keep: self.keys[keep]}
        self._ciphers = {}
        _write_keyring(self.path, self.keys)
        self._stamp = self._file_stamp()


def _write_keyring(path: Path, keys: dict[int, bytes], only_if_absent: bool = False) -> None:
    """Writes the keyring file (mode 0600) whole, through a temporary file of this call's own,
    so concurrent writers never share one; with ``only_if_absent``, links it into place only when
    no keyring exists yet (``os.link`` never replaces a file): of several processes creating a
    new home's keyring at once, exactly one writes it and the others then read that one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.writelines(f"{key_id}:{key.hex()}\n" for key_id, key in sorted(keys.items()))
            handle.flush()
            os.fsync(handle.fileno())
        if only_if_absent:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        else:
            os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _read_keyring(path: Path) -> dict[int, bytes]:
    keys: dict[int, bytes] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        key_id, _, key = line.strip().partition(":")
        try:
            keys[int(key_id)] = bytes.fromhex(key)
        except ValueError:
            raise SealingError(f"{path} line {number} is not `id:hex`") from None
        if len(keys[int(key_id)]) != 32:
            raise SealingError(f"{path} line {number}: data keys are 256 bits (64 hex digits)")
    return keys


def load_sealer(home: Path) -> Sealer:
    """Returns the sealer of a coordinator home: ``HUBLINK_DATA_KEY``, else the keyring file
    (``HUBLINK_DATA_KEY_FILE`` or ``<home>/keys/data-keys``), created with one key if absent (by
    exactly one of several processes loading a new home at once)."""
    inline = os.environ.get("HUBLINK_DATA_KEY")
    if inline:
        try:
            key = bytes.fromhex(inline.strip())
        except ValueError:
            key = b""
        if len(key) != 32:
            raise SealingError("HUBLINK_DATA_KEY must be 64 hexadecimal digits (256 bits)")
        return Sealer({1: key})
    path = Path(os.environ.get("HUBLINK_DATA_KEY_FILE") or home / "keys" / "data-keys")
    if not path.exists():  # gunicorn's workers start together: the first to link it wins
        _write_keyring(path, {1: secrets.token_bytes(32)}, only_if_absent=True)
    return Sealer(_read_keyring(path), path)
