"""Private files on POSIX and on Windows (under a simulated Windows stat and ACL), and no
POSIX-only call anywhere in the agent."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from hublink.agent import private_files
from hublink.agent.keys import read_linkage_secret
from hublink.agent.private_files import AccessEntry, check_private, windows_readers, write_private
from hublink.shared.errors import ConfigError

AGENT = Path(private_files.__file__).resolve().parent
OWNER = "S-1-5-21-1004336348-1177238915-682003330-1001"
OWNER_ONLY = [AccessEntry(OWNER, r"PARTNER-PC\youthworks", 0x1F01FF),
              AccessEntry("S-1-5-18", r"NT AUTHORITY\SYSTEM", 0x1F01FF),
              AccessEntry("S-1-5-32-544", r"BUILTIN\Administrators", 0x1F01FF)]
INHERITED_USERS = OWNER_ONLY + [AccessEntry("S-1-5-32-545", r"BUILTIN\Users", 0x1200A9)]


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "linkage.secret"
    write_private(path, "ab" * 32 + "\n")
    return path


@pytest.fixture
def windows_stat(monkeypatch):
    """Windows reports every file as mode 0o666, whoever may read it."""
    real_stat = Path.stat

    def stat(path, *args, **kwargs):
        result = real_stat(path, *args, **kwargs)
        return os.stat_result((0o100666, *tuple(result)[1:]))

    monkeypatch.setattr(Path, "stat", stat)


def test_posix_mode_bits_decide_on_posix(secret):
    if os.name != "posix":
        pytest.skip("POSIX only")
    assert secret.stat().st_mode & 0o777 == 0o600
    check_private(secret, "linkage secret file", system="posix")
    secret.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        check_private(secret, "linkage secret file", system="posix")


def test_on_windows_the_acl_decides_not_the_mode_bits(secret, windows_stat):
    assert secret.stat().st_mode & 0o777 == 0o666
    check_private(secret, "linkage secret file", system="nt",
                  read_acl=lambda path: ({OWNER}, OWNER_ONLY))
    with pytest.raises(ConfigError) as refused:
        check_private(secret, "linkage secret file", system="nt",
                      read_acl=lambda path: ({OWNER}, INHERITED_USERS))
    message = str(refused.value)
    assert r"BUILTIN\Users" in message and "chmod" not in message
    assert f'icacls "{secret}" /inheritance:r /grant:r "%USERNAME%:(R)"' in message


def test_on_windows_without_the_security_api_it_refuses_with_windows_instructions(secret,
                                                                                 windows_stat):
    def missing(path):
        raise ImportError("No module named 'win32security'")

    with pytest.raises(ConfigError) as refused:
        check_private(secret, "linkage secret file", system="nt", read_acl=missing)
    assert "pywin32" in str(refused.value) and "icacls" in str(refused.value)


def test_the_secret_reader_uses_the_windows_check_on_windows(secret, windows_stat, monkeypatch):
    monkeypatch.setattr(private_files, "_platform", lambda: "nt")
    monkeypatch.setattr(private_files, "_read_windows_acl", lambda path: ({OWNER}, OWNER_ONLY))
    assert read_linkage_secret(secret) == bytes.fromhex("ab" * 32)
    monkeypatch.setattr(private_files, "_read_windows_acl", lambda path: ({OWNER}, INHERITED_USERS))
    with pytest.raises(ConfigError, match="icacls"):
        read_linkage_secret(secret)


@pytest.mark.parametrize("entries, readers", [
    (OWNER_ONLY, []),
    (INHERITED_USERS, [r"BUILTIN\Users"]),
    ([AccessEntry("S-1-1-0", "Everyone", 0x8000_0000)], ["Everyone"]),
    ([AccessEntry("S-1-5-11", r"NT AUTHORITY\Authenticated Users", 0x0004)], []),  # write only
    ([AccessEntry("S-1-5-21-9-9-9-1002", r"PARTNER-PC\intern", 0x1000_0000)], [r"PARTNER-PC\intern"]),
])
def test_who_may_read_a_windows_file(entries, readers):
    assert windows_readers({OWNER}, entries) == readers


def test_the_agents_account_may_read_a_file_an_administrator_owns():
    agent_account = "S-1-5-21-1004336348-1177238915-682003330-1005"
    entries = [AccessEntry(agent_account, r"PARTNER-PC\hublink-agent", 0x1200A9),
               AccessEntry("S-1-5-32-544", r"BUILTIN\Administrators", 0x1F01FF)]
    assert windows_readers({"S-1-5-32-544", agent_account}, entries) == []


# Names that exist only on POSIX: the agent runs on Windows too.
POSIX_ONLY_MODULES = {"fcntl", "pwd", "grp", "resource", "termios", "posix"}
POSIX_ONLY_CALLS = {("os", name) for name in (
    "getuid", "geteuid", "getgid", "getegid", "chown", "lchown", "fork", "setsid", "killpg",
    "getpgid", "setuid", "setgid", "sync", "mkfifo", "getloadavg", "WNOHANG")} | {
    ("signal", name) for name in ("SIGKILL", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM",
                                  "SIGCHLD", "SIGPIPE", "SIGQUIT", "alarm", "pause")}


def _guarded_by_os_name(tree: ast.AST, node: ast.AST) -> bool:
    for parent in ast.walk(tree):
        if isinstance(parent, ast.If) and "os.name" in ast.unparse(parent.test):
            if any(child is node for branch in (parent.body, parent.orelse)
                   for statement in branch for child in ast.walk(statement)):
                return True
    return False


def test_no_agent_module_uses_posix_only_calls_unguarded():
    problems = []
    for path in sorted(AGENT.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module] if isinstance(node, ast.ImportFrom) else [])
            for module in modules:
                if module in POSIX_ONLY_MODULES and not _guarded_by_os_name(tree, node):
                    problems.append(f"{path.name}:{node.lineno} imports {module}")
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in POSIX_ONLY_CALLS
                    and not _guarded_by_os_name(tree, node)):
                problems.append(f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert problems == []
