"""Files only their owner may read: the linkage secret and the pseudonym key.

On POSIX the check reads the mode bits (no group or other access). Windows reports every file
as mode 0o666, so there the check reads the file's access control list instead, through the
Windows security API of pywin32 (installed with the agent on Windows): an entry that lets
anyone but the file's owner, the account running the agent, SYSTEM or the Administrators
group read the file refuses it, with the ``icacls`` command that fixes it
(docs/agent-install.md sets these permissions up). New private files are created readable by their owner only,
on Windows by giving them a protected ACL of those three.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hublink.shared.errors import ConfigError

__all__ = ["AccessEntry", "write_private", "check_private", "windows_readers"]

# Security identifiers that may read a private file on Windows besides its owner.
_SYSTEM_SID = "S-1-5-18"
_ADMINISTRATORS_SID = "S-1-5-32-544"
# Access-mask bits that allow reading a file's content (FILE_READ_DATA, GENERIC_ALL,
# GENERIC_READ, MAXIMUM_ALLOWED).
_READ_BITS = 0x0001 | 0x1000_0000 | 0x8000_0000 | 0x0200_0000
_INHERIT_ONLY = 0x08  # an entry that applies only to a folder's future children


@dataclass(frozen=True)
class AccessEntry:
    """One access-allowed entry of a Windows ACL: who (SID and account name) may do what."""

    sid: str
    account: str
    mask: int


def windows_readers(trusted_sids: set[str], entries: list[AccessEntry]) -> list[str]:
    """Given the SIDs that may read a private file (its owner, the agent's account) and the
    file's access-allowed entries, returns the other accounts that may read it besides SYSTEM
    and Administrators (none: the file is private)."""
    allowed = set(trusted_sids) | {_SYSTEM_SID, _ADMINISTRATORS_SID}
    return sorted({entry.account for entry in entries
                   if entry.mask & _READ_BITS and entry.sid not in allowed})


def _read_windows_acl(path: Path) -> tuple[set[str], list[AccessEntry]]:  # pragma: no cover
    """Returns the trusted SIDs (the file's owner, this process's account) and the
    access-allowed entries of ``path``'s ACL, through pywin32 (Windows only)."""
    import win32api
    import win32security
    descriptor = win32security.GetFileSecurity(
        str(path), win32security.OWNER_SECURITY_INFORMATION
        | win32security.DACL_SECURITY_INFORMATION)
    process_token = win32security.OpenProcessToken(win32api.GetCurrentProcess(),
                                                   win32security.TOKEN_QUERY)
    account = win32security.GetTokenInformation(process_token, win32security.TokenUser)[0]
    trusted = {win32security.ConvertSidToStringSid(descriptor.GetSecurityDescriptorOwner()),
               win32security.ConvertSidToStringSid(account)}
    dacl = descriptor.GetSecurityDescriptorDacl()
    if dacl is None:  # no ACL at all: everyone has full access
        return trusted, [AccessEntry("S-1-1-0", "Everyone", 0x1000_0000)]
    entries = []
    for index in range(dacl.GetAceCount()):
        (ace_type, flags), mask, sid = dacl.GetAce(index)
        if ace_type != win32security.ACCESS_ALLOWED_ACE_TYPE or flags & _INHERIT_ONLY:
            continue
        try:
            name, domain, _kind = win32security.LookupAccountSid(None, sid)
            holder = f"{domain}\\{name}" if domain else name
        except win32security.error:
            holder = win32security.ConvertSidToStringSid(sid)
        entries.append(AccessEntry(win32security.ConvertSidToStringSid(sid), holder, mask))
    return trusted, entries


def _restrict_windows(path: Path) -> None:  # pragma: no cover - Windows
    """Gives ``path`` a protected ACL: full control for its owner, SYSTEM and Administrators."""
    import ntsecuritycon
    import win32security
    owner = win32security.GetFileSecurity(
        str(path), win32security.OWNER_SECURITY_INFORMATION).GetSecurityDescriptorOwner()
    dacl = win32security.ACL()
    for sid in (owner, win32security.ConvertStringSidToSid(_SYSTEM_SID),
                win32security.ConvertStringSidToSid(_ADMINISTRATORS_SID)):
        dacl.AddAccessAllowedAce(win32security.ACL_REVISION, ntsecuritycon.FILE_ALL_ACCESS, sid)
    win32security.SetNamedSecurityInfo(
        str(path), win32security.SE_FILE_OBJECT,
        win32security.DACL_SECURITY_INFORMATION
        | win32security.PROTECTED_DACL_SECURITY_INFORMATION, None, None, dacl, None)


def _windows_fix(path: Path) -> str:
    return (f'icacls "{path}" /inheritance:r /grant:r "%USERNAME%:(R)" *S-1-5-32-544:(F) '
            "(in a Command Prompt of the account that runs the scheduled sync; see "
            "docs/agent-install.md)")


def _platform() -> str:
    """Returns ``os.name``; tests simulate Windows by replacing this function."""
    return os.name


def write_private(path: Path, content: str, system: str | None = None) -> None:
    """Creates ``path`` (and its folder) holding ``content``, readable by its owner only;
    raises FileExistsError when it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(content)
    if (system or _platform()) == "nt":  # pragma: no cover - Windows
        _restrict_windows(path)


def check_private(path: Path, what: str, system: str | None = None,
                  read_acl: Callable[[Path], tuple[set[str], list[AccessEntry]]] | None = None,
                  ) -> None:
    """Given an existing file, returns when only its owner may read it; raises ConfigError
    with the command that fixes it otherwise (``chmod`` on POSIX, ``icacls`` on Windows)."""
    if (system or _platform()) != "nt":
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"{what} {path} is readable by other users; run: chmod 600 {path}")
        return
    try:
        trusted, entries = (read_acl or _read_windows_acl)(path)
    except ImportError:
        raise ConfigError(f"cannot check who may read {what} {path}: the Windows security API "
                          "(pywin32) is missing; reinstall the agent with "
                          '`pip install "hublink[agent]"`, which installs it on Windows',
                          details=[f"then make the file private: {_windows_fix(path)}"]) from None
    readers = windows_readers(trusted, entries)
    if readers:
        raise ConfigError(f"{what} {path} is readable by other users ({', '.join(readers)}); "
                          f"run: {_windows_fix(path)}")
