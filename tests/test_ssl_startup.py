"""mod_ssl's start-up checks of certificates and keys (ssl_init_Module), compared with
Debian's apache2 on one configuration per case: `-t` says Syntax OK for all of them;
starting refuses a certificate OpenSSL cannot read, a key that is missing, unreadable,
encrypted without a pass phrase or not the certificate's, and an SSL server without a
certificate, with the same error-log lines (OpenSSL's error stack included), the same
terminal output and exit code; a CA certificate or one for another name is a warning.
Certificates are made by the openssl command in the test's directory."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest

from tests.conftest import need_apache2
from tests.helpers import ROOT, heartmonitor, write
from tests.live import (
    APACHE_MODULES,
    PrivateNetwork,
    heartmonitor_server,
    read,
    request,
    wait_for,
)

PORT = 8611
PASS = "lab secret"
# mod_ssl of Debian's package warns that it was built against a newer OpenSSL than the
# one installed (AH01882): a fact about the package, not the configuration.
BUILD_NOTE = "AH01882: "
FAILURE_LEVELS = ("[ssl:emerg]", "[ssl:alert]", "[ssl:crit]", "[ssl:error]")
# apache2's children started as root without a User say so (AH02155): not about mod_ssl.
CHILD_NOTE = "AH02155: "
LOG_LINE = re.compile(r"^\[[^\]]*\] \[(\w+):(\w+)\] \[pid \d+(?::tid \d+)?\] (.*)$")


def _openssl(*args: str, cwd: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> str:
    directory = str(tmp_path_factory.mktemp("certs"))
    leaf = ["-addext", "basicConstraints=critical,CA:FALSE",
            "-addext", "subjectAltName=DNS:*.example.org,DNS:other.example"]
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key",
             "-out", "leaf.crt", "-days", "30", "-subj", "/CN=nothing.example", *leaf,
             cwd=directory)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
             "-out", "ca.crt", "-days", "30", "-subj", "/CN=www.example.org", cwd=directory)
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", "ec.key", "-out", "ec.crt", "-days", "30",
             "-subj", "/CN=elsewhere.example", cwd=directory)
    _openssl("genpkey", "-algorithm", "RSA", "-aes256", "-pass", f"pass:{PASS}",
             "-out", "enc.key", cwd=directory)
    _openssl("req", "-x509", "-key", "enc.key", "-passin", f"pass:{PASS}", "-out", "enc.crt",
             "-days", "30", "-subj", "/CN=www.example.org", *leaf[:2], cwd=directory)
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "expired.key",
             "-out", "expired.csr", "-subj", "/CN=www.example.org", cwd=directory)
    _openssl("x509", "-req", "-in", "expired.csr", "-signkey", "expired.key", "-days", "-1",
             "-out", "expired.crt", cwd=directory)
    write(os.path.join(directory, "garbage.crt"),
          "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    write(os.path.join(directory, "text.crt"), "hello\n")
    with open(os.path.join(directory, "leaf.crt")) as cert, \
            open(os.path.join(directory, "leaf.key")) as key:
        write(os.path.join(directory, "combined.pem"), cert.read() + key.read())
    # Each run of the dialog program leaves a line in "asked".
    write(os.path.join(directory, "right.sh"),
          f"#!/bin/sh\necho \"$1 $2\" >> {directory}/asked\necho '{PASS}'\n")
    write(os.path.join(directory, "wrong.sh"), "#!/bin/sh\necho 'not it'\n")
    for name in ("right.sh", "wrong.sh"):
        os.chmod(os.path.join(directory, name), 0o755)
    return directory


def _conf(directory: str, certs: str, ssl: str, extra: str = "") -> str:
    """One server on PORT and an SSL virtual host on PORT + 1 (whose ServerName the
    certificates are checked against); modules from APACHE_MODULES, as apache2 reads it."""
    loads = "".join(f"LoadModule {m}_module {APACHE_MODULES}/mod_{m}.so\n"
                    for m in ("mpm_event", "authz_core", "socache_shmcb", "ssl"))
    return (f"ServerRoot {directory}\nServerName localhost\nPidFile {directory}/httpd.pid\n"
            f"ErrorLog {directory}/error_log\nDefaultRuntimeDir {directory}\n"
            f"Listen 127.0.0.1:{PORT}\nListen 127.0.0.1:{PORT + 1}\n{loads}{extra}"
            f"<VirtualHost 127.0.0.1:{PORT + 1}>\n    ServerName www.example.org\n"
            f"{ssl.replace('CERTS', certs)}</VirtualHost>\n")


def _log(text: str, whole: bool = False) -> list[str]:
    """The error log's lines as "[module:level] message" (time and pid left out), the
    package's AH01882 and its children's AH02155 dropped; up to AH00489 (the server runs) unless
    whole."""
    lines = []
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if match is None:
            lines.append(line)
            continue
        module, level, message = match.groups()
        if message.startswith(BUILD_NOTE) or message.startswith(CHILD_NOTE):
            continue
        if message.startswith("AH00489: ") and not whole:
            break
        lines.append(f"[{module}:{level}] {message}")
    return lines


def _run(command: list[str], directory: str, conf_text: str) -> tuple:
    """(exit code or "running", stdout, stderr, error log) of a foreground start."""
    conf = write(os.path.join(directory, "httpd.conf"), conf_text)
    env = dict(os.environ, PYTHONPATH=ROOT)
    process = subprocess.Popen([*command, "-f", conf, "-DFOREGROUND"], cwd=directory,
                               env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    log_path = os.path.join(directory, "error_log")
    wait_for(lambda: process.poll() is not None or "AH00489: " in read(log_path), 20)
    status: int | str = process.poll() if process.poll() is not None else "running"
    if status == "running":
        process.terminate()
    out, err = process.communicate(timeout=15)
    log_text = read(log_path)
    # heartmonitor's console in the foreground (where it listens) is its own.
    out_text = "".join(line for line in out.decode().splitlines(keepends=True)
                       if not line.startswith("heartmonitor: "))
    return status, out_text, err.decode(), _log(log_text)


def _both(tmp_path, name: str, conf_of) -> tuple[tuple, tuple]:
    apache2 = need_apache2()
    answers = []
    for who, command in (("real", [apache2]), ("ours", [sys.executable, "-m", "heartmonitor"])):
        directory = str(tmp_path / f"{name}-{who}")
        os.mkdir(directory)
        text = conf_of(directory)
        if who == "ours":
            text = text.replace(f"{APACHE_MODULES}/", "modules/")
        answers.append(_run(command, directory, text))
    return answers[0], answers[1]


KEY_STACK = [  # OpenSSL 3.0's answer to a file with no key in it, after three readings
    "[ssl:error] AH02579: Init: Private key not found",
    "[ssl:error] SSL Library Error: error:1E08010C:DECODER routines::unsupported (No "
    "supported data to decode.  Input type: DER, Input structure: PrivateKeyInfo)",
]
CASES = {
    # name: (SSL lines of the virtual host, expected exit, the log's first lines[, global
    # lines])
    "leaf": ("SSLEngine on\nSSLCertificateFile CERTS/leaf.crt\n"
             "SSLCertificateKeyFile CERTS/leaf.key\n", "running",
             ["[ssl:warn] AH01873: Init: Session Cache is not configured [hint: SSLSessionCache]"]),
    "warnings": ("SSLEngine on\nSSLCertificateFile CERTS/ec.crt\n"
                 "SSLCertificateKeyFile CERTS/ec.key\n", "running",
                 ["[ssl:warn] AH01906: www.example.org:443:0 server certificate is a CA "
                  "certificate (BasicConstraints: CA == TRUE !?)",
                  "[ssl:warn] AH01909: www.example.org:443:0 server certificate does NOT "
                  "include an ID which matches the server name"]),
    "combined": ("SSLEngine on\nSSLCertificateFile CERTS/combined.pem\n", "running", []),
    "expired": ("SSLEngine on\nSSLCertificateFile CERTS/expired.crt\n"
                "SSLCertificateKeyFile CERTS/expired.key\n", "running", []),
    "mismatch": ("SSLEngine on\nSSLCertificateFile CERTS/leaf.crt\n"
                 "SSLCertificateKeyFile CERTS/ca.key\n", 1,
                 ["[ssl:emerg] AH02565: Certificate and private key www.example.org:443:0 "
                  "from CERTS/leaf.crt and CERTS/ca.key do not match"]),
    "garbage": ("SSLEngine on\nSSLCertificateFile CERTS/garbage.crt\n"
                "SSLCertificateKeyFile CERTS/leaf.key\n", 1,
                ["[ssl:emerg] AH02562: Failed to configure certificate www.example.org:443:0 "
                 "(with chain), check CERTS/garbage.crt",
                 "[ssl:emerg] SSL Library Error: error:04800064:PEM routines::bad base64 "
                 "decode",
                 "[ssl:emerg] SSL Library Error: error:0A080009:SSL routines::PEM lib"]),
    "text": ("SSLEngine on\nSSLCertificateFile CERTS/text.crt\n"
             "SSLCertificateKeyFile CERTS/leaf.key\n", 1,
             ["[ssl:emerg] AH02562: Failed to configure certificate www.example.org:443:0 "
              "(with chain), check CERTS/text.crt",
              "[ssl:emerg] SSL Library Error: error:0480006C:PEM routines::no start line "
              "(Expecting: TRUSTED CERTIFICATE) -- Bad file contents or format - or even just "
              "a forgotten SSLCertificateKeyFile?"]),
    "no-key": ("SSLEngine on\nSSLCertificateFile CERTS/leaf.crt\n", 1, KEY_STACK),
    "no-certificate": ("SSLEngine on\n", 1,
                       ["[ssl:emerg] AH02572: Failed to configure at least one certificate "
                        "and key for www.example.org:443"]),
    "with-chain": ("SSLEngine on\nSSLCertificateFile CERTS/text.crt\n"
                   "SSLCertificateChainFile CERTS/ca.crt\nSSLCertificateKeyFile CERTS/leaf.key\n",
                   1, ["[ssl:emerg] AH02561: Failed to configure certificate "
                       "www.example.org:443:0, check CERTS/text.crt"]),
    "bad-chain": ("SSLEngine on\nSSLCertificateFile CERTS/leaf.crt\n"
                  "SSLCertificateChainFile CERTS/garbage.crt\n"
                  "SSLCertificateKeyFile CERTS/leaf.key\n", 1,
                  ["[ssl:emerg] AH01903: Failed to configure CA certificate chain!",
                   "[ssl:emerg] AH02312: Fatal error initialising mod_ssl, exiting."]),
    "phrase-right": ("SSLEngine on\nSSLCertificateFile CERTS/enc.crt\n"
                     "SSLCertificateKeyFile CERTS/enc.key\n", "running", [],
                     "SSLPassPhraseDialog exec:CERTS/right.sh\n"),
    "phrase-wrong": ("SSLEngine on\nSSLCertificateFile CERTS/enc.crt\n"
                     "SSLCertificateKeyFile CERTS/enc.key\n", 1,
                     ["[ssl:emerg] AH02580: Init: Pass phrase incorrect for key "
                      "www.example.org:443:0"], "SSLPassPhraseDialog exec:CERTS/wrong.sh\n"),
    "phrase-none": ("SSLEngine on\nSSLCertificateFile CERTS/enc.crt\n"
                    "SSLCertificateKeyFile CERTS/enc.key\n", 1,
                    # OpenSSL's dialog writes a newline on standard error (the error
                    # log) each time it cannot read a phrase.
                    ["", "", "[ssl:error] AH02578: Init: Unable to read pass phrase [Hint: "
                     "key introduced or changed before restart?]"]),
    "ciphers": ("SSLEngine on\nSSLCipherSuite NO-SUCH-CIPHER\n"
                "SSLCertificateFile CERTS/leaf.crt\nSSLCertificateKeyFile CERTS/leaf.key\n", 1,
                ["[ssl:emerg] AH01898: Unable to configure permitted SSL ciphers"]),
    "tls13-ciphers": ("SSLEngine on\nSSLCipherSuite TLSv1.3 NO_SUCH_SUITE\n"
                      "SSLCertificateFile CERTS/leaf.crt\nSSLCertificateKeyFile CERTS/leaf.key\n",
                      1, ["[ssl:emerg] AH10127: Unable to configure permitted TLSv1.3 ciphers"]),
    "no-protocol": ("SSLEngine on\nSSLProtocol -all\n"
                    "SSLCertificateFile CERTS/leaf.crt\nSSLCertificateKeyFile CERTS/leaf.key\n",
                    1, ["[ssl:emerg] AH02231: No SSL protocols available [hint: SSLProtocol]",
                        "[ssl:emerg] AH02312: Fatal error initialising mod_ssl, exiting."]),
    "off": ("SSLEngine off\nSSLCertificateFile CERTS/garbage.crt\n", "running", []),
    "ports": ("ServerName www.example.org:443\n", "running",
              ["[ssl:warn] AH01909: plain.example:80:0 server certificate does NOT include an "
               "ID which matches the server name",
               "[ssl:warn] AH01916: Init: (www.example.org:443) You configured HTTP(80) on "
               "the standard HTTPS(443) port!",
               "[ssl:warn] AH01915: Init: (plain.example:80) You configured HTTPS(443) on "
               "the standard HTTP(80) port!"],
              "<VirtualHost 127.0.0.1:8611>\nServerName plain.example:80\nSSLEngine on\n"
              "SSLCertificateFile CERTS/leaf.crt\nSSLCertificateKeyFile CERTS/leaf.key\n"
              "</VirtualHost>\n"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_ssl_startup_as_apache2(tmp_path, certs, case):
    ssl, status, first_lines, *extra = CASES[case]
    asked = len(read(os.path.join(certs, "asked")).splitlines())
    with PrivateNetwork():
        real, ours = _both(tmp_path, case, lambda directory: _conf(
            directory, certs, ssl, "".join(extra).replace("CERTS", certs)))
    if case == "phrase-right":  # asked once by each server: the second pass reuses the key
        assert read(os.path.join(certs, "asked")).splitlines()[asked:] == [
            "www.example.org:443 RSA"] * 2
    expected = [line.replace("CERTS", certs) for line in first_lines]
    # What the first (preflight) post_config pass logged comes first; httpd's standard
    # error is its error log by then, so a failure ends the log with AH00016.
    assert (real[0], real[3][: len(expected)]) == (status, expected)
    assert real[2] == ""
    if status == 1:
        assert real[3][-1] == "AH00016: Configuration Failed"
    assert (ours[0], ours[1], ours[3]) == (real[0], real[1], real[3])
    # heartmonitor's terminal also shows why start-up failed, as for every failure.
    shown = [line for line in real[3] if line.startswith(FAILURE_LEVELS)] + real[3][-1:]
    assert [line for line in _log(ours[2]) if line] == (shown if status == 1 else [])
    # -t --strict finds the same before starting (it asks no pass phrase on a terminal).
    strict = heartmonitor("-t", "--strict", "-f", str(tmp_path / f"{case}-ours" / "httpd.conf"),
                          stdin=subprocess.DEVNULL)
    if status == 1 and case != "phrase-none":
        assert (strict.returncode, _log(strict.stderr)) == (1, real[3])
    else:
        assert (strict.returncode, strict.stderr) == (0, "Syntax OK\n")


def test_start_detached_with_a_bad_key(tmp_path, certs):
    """`-k start`: the check runs before detaching, as in httpd: exit 1, AH00016 on the
    terminal, the lines in the error log."""
    ssl = CASES["mismatch"][0]
    with PrivateNetwork():
        answers = []
        for who, command in (("real", [need_apache2()]),
                             ("ours", [sys.executable, "-m", "heartmonitor"])):
            directory = str(tmp_path / who)
            os.mkdir(directory)
            text = _conf(directory, certs, ssl)
            if who == "ours":
                text = text.replace(f"{APACHE_MODULES}/", "modules/")
            conf = write(os.path.join(directory, "httpd.conf"), text)
            result = subprocess.run([*command, "-f", conf, "-k", "start"], cwd=directory,
                                    env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True,
                                    text=True, timeout=30, stdin=subprocess.DEVNULL)
            answers.append((result.returncode, result.stdout, result.stderr,
                            _log(read(os.path.join(directory, "error_log")))))
    real, ours = answers
    assert real[:3] == (1, "", "")
    assert real[3][-1] == "AH00016: Configuration Failed"
    assert (ours[0], ours[1], ours[3]) == real[:2] + real[3:]
    assert _log(ours[2]) == [line for line in real[3] if line.startswith(FAILURE_LEVELS)] \
        + real[3][-1:]


def test_restart_with_a_bad_certificate_keeps_the_running_one(tmp_path, certs):
    """httpd's parent exits (AH00020) when a restart meets a bad certificate; heartmonitor
    logs the same lines and keeps the running configuration, as for any broken one."""
    directory = str(tmp_path)
    text = _conf(directory, certs, CASES["leaf"][0]).replace(f"{APACHE_MODULES}/", "modules/")
    conf = write(os.path.join(directory, "httpd.conf"), text)
    with PrivateNetwork(), heartmonitor_server(conf, directory) as server:
        write(conf, text.replace("leaf.crt", "garbage.crt"))
        server.signal(signal.SIGHUP)
        log_path = os.path.join(directory, "error_log")
        assert wait_for(lambda: "restart failed" in read(log_path), 20)
        status, _headers, _body = request(PORT, path="/missing")
    lines = [line for line in _log(read(log_path), whole=True)
             if "ssl:" in line or "AH00016" in line]
    failure = [
        f"[ssl:emerg] AH02562: Failed to configure certificate www.example.org:443:0 (with "
        f"chain), check {certs}/garbage.crt",
        "[ssl:emerg] SSL Library Error: error:04800064:PEM routines::bad base64 decode",
        "[ssl:emerg] SSL Library Error: error:0A080009:SSL routines::PEM lib",
        "AH00016: Configuration Failed"]
    start = lines.index(failure[0])
    assert lines[start : start + 4] == failure
    assert status == 404
