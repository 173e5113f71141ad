"""No configuration, however broken, gets a Python traceback: one httpd-style message."""

from __future__ import annotations

import os

from tests.helpers import heartmonitor, write


def base(root: str) -> str:
    return f"ServerRoot {root}\nErrorLog {root}/e\nPidFile {root}/p\nServerName x\n"


def check_one_message(result, expect_in: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert expect_in in result.stderr


def test_binary_garbage(tmp_path):
    data = bytes(range(256)) * 40 + b"\n<Garbage>\n\x00\x01\x7fELF\n"
    conf = write(str(tmp_path / "g.conf"), base(str(tmp_path)).encode() + data)
    result = heartmonitor("-f", conf, "-t")
    check_one_message(result, "Syntax error on line")
    assert len(result.stderr.strip().splitlines()) <= 2


def test_twenty_mib_line(tmp_path):
    conf = write(str(tmp_path / "l.conf"),
                 base(str(tmp_path)) + "ServerAdmin " + "x" * (20 * 1024 * 1024) + "\n")
    result = heartmonitor("-f", conf, "-t")
    check_one_message(result, f"Error reading {conf} at line 5: Line too long")
    # As in httpd, the place named first is the last directive run while reading
    # (ServerRoot on line 1), the place of the long line comes after it.
    assert result.stderr == (f"heartmonitor: Syntax error on line 1 of {conf}: "
                             f"Error reading {conf} at line 5: Line too long\n")


def test_include_chain_ten_thousand_deep(tmp_path):
    root = str(tmp_path)
    for index in range(10000):
        write(os.path.join(root, "c", f"{index}.conf"), f"Include {root}/c/{index + 1}.conf\n")
    conf = write(os.path.join(root, "main.conf"), base(root) + f"Include {root}/c/0.conf\n")
    result = heartmonitor("-f", conf, "-t")
    # One line, cut where httpd's write_logline cuts (MAX_STRING_LEN less room for the
    # newline and terminator: 8190 characters, as apache2 prints such a chain); where the
    # cut falls depends on the length of the temporary directory's name.
    chain = f"heartmonitor: Syntax error on line 5 of {conf}: " + "".join(
        f"Syntax error on line 1 of {root}/c/{index}.conf: " for index in range(128))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == chain[:8190] + "\n"


def test_deeply_nested_sections(tmp_path):
    conf = write(str(tmp_path / "n.conf"),
                 base(str(tmp_path)) + "<IfModule mod_so.c>\n" * 10000 + "ServerAdmin y\n")
    result = heartmonitor("-f", conf, "-t")
    check_one_message(result, "Configuration sections are nested too deeply")


def test_unopenable_file(tmp_path):
    """A file the OS will not open (a symbolic link loop here): httpd's one line."""
    loop = str(tmp_path / "loop.conf")
    os.symlink(loop, loop)
    result = heartmonitor("-f", loop, "-t")
    check_one_message(result, f"Could not open configuration file {loop}: Too many levels of "
                              "symbolic links")
    assert result.stderr.count("\n") == 1


def test_permission_denied_reads_like_httpd(tmp_path, monkeypatch, capsys):
    """EACCES (which root never gets, so it is raised here) takes the same path."""
    import heartmonitor.config.reader as reader
    from heartmonitor.cli import main

    conf = write(str(tmp_path / "u.conf"), base(str(tmp_path)))

    def refuse(path, flags, *args):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(reader.os, "open", refuse)
    assert main(["heartmonitor", "-f", conf, "-t"]) == 1
    assert capsys.readouterr().err == (
        f"heartmonitor: Could not open configuration file {conf}: Permission denied\n")


def test_unreadable_include_as_other_user(tmp_path):
    """Reading is refused as httpd refuses it: the OS error text, one line."""
    root = str(tmp_path)
    write(os.path.join(root, "dir.conf", "x"), "")
    conf = write(os.path.join(root, "m.conf"), base(root) + f"Include {root}/nope.conf\n")
    result = heartmonitor("-f", conf, "-t")
    check_one_message(result, f"Could not open configuration file {root}/nope.conf: "
                              "No such file or directory")


def test_invalid_utf8_is_kept_byte_for_byte(tmp_path):
    conf = write(str(tmp_path / "b.conf"), base(str(tmp_path)).encode() + b"Bad\xff\xfeName x\n")
    result = heartmonitor("-f", conf, "-t")
    check_one_message(result, "Invalid command 'Bad\\xff\\xfeName'")


def test_configuration_is_a_directory(tmp_path):
    result = heartmonitor("-f", str(tmp_path), "-t")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"Could not open configuration file {tmp_path}: Bad file descriptor" in result.stderr
