"""The linkage secret and the agent-local pseudonym key.

The linkage secret is shared by all partners (from the key custodian) and keys the CLK
encoding. The pseudonym key never leaves this machine: it turns record keys into HMAC
pseudonyms, so the coordinator can tell records apart without learning the keys.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path

from hublink.agent.private_files import check_private, write_private
from hublink.shared.errors import ConfigError

__all__ = ["MINIMUM_SECRET_BITS", "create_secret_file", "read_linkage_secret",
           "load_or_create_pseudonym_key", "pseudonymise", "secret_fingerprint"]

MINIMUM_SECRET_BITS = 256
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_SECRET_FINGERPRINT_CONTEXT = b"hublink/secret-fingerprint/v1"


def create_secret_file(path: Path) -> None:
    """Writes a new random 256-bit secret as hex, readable by its owner only; raises
    ConfigError if the file already exists."""
    try:
        write_private(path, secrets.token_hex(MINIMUM_SECRET_BITS // 8) + "\n")
    except FileExistsError:
        raise ConfigError(f"{path} already exists; refusing to overwrite a secret") from None


def read_linkage_secret(path: Path) -> bytes:
    """Given the secret file, returns the secret's bytes; raises ConfigError when the file is
    missing, readable by others, or holds fewer than 256 bits of hex."""
    if not path.is_file():
        raise ConfigError(f"linkage secret file {path} does not exist; the hub's key custodian "
                          "provides it (`hublink-agent keygen` creates one for a new hub)")
    check_private(path, "linkage secret file")
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if not _HEX.match(text) or len(text) * 4 < MINIMUM_SECRET_BITS:
        raise ConfigError(f"linkage secret file {path} must hold at least "
                          f"{MINIMUM_SECRET_BITS // 4} hexadecimal characters "
                          f"({MINIMUM_SECRET_BITS} bits)")
    return bytes.fromhex(text if len(text) % 2 == 0 else "0" + text)


def load_or_create_pseudonym_key(state_dir: Path) -> bytes:
    """Given the agent's state folder, returns its pseudonym key, creating it on first use."""
    path = state_dir / "pseudonym.key"
    if not path.exists():
        try:
            write_private(path, secrets.token_hex(32) + "\n")
        except FileExistsError:
            pass
    check_private(path, "pseudonym key file")
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def pseudonymise(key: bytes, record_key: str) -> str:
    """Given the pseudonym key and a record key, returns its 64-hex-digit HMAC-SHA256."""
    return hmac.new(key, record_key.encode("utf-8"), hashlib.sha256).hexdigest()


def secret_fingerprint(secret: bytes) -> str:
    """Given the linkage secret, returns a hex HMAC that names it without revealing it
    (independent of the schema, so a schema upgrade is not a new secret)."""
    return hmac.new(secret, _SECRET_FINGERPRINT_CONTEXT, hashlib.sha256).hexdigest()
