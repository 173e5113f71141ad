"""mod_ssl's start-up: ssl_init_Module's checks of each SSL server's certificates and keys.

httpd's `-t` never loads a certificate; its post_config does (modules/ssl/ssl_engine_init.c,
ssl_engine_pphrase.c), with OpenSSL, and refuses to start on the first one that fails:
a certificate file OpenSSL cannot read (AH02561/AH02562), a key it cannot read, encrypted
with no pass phrase to open it (AH02579/AH02578/AH02580, AH02312, AH02564), a key that
does not match its certificate (AH02565), an SSL server without a certificate (AH02572),
each with OpenSSL's error stack ("SSL Library Error: ...") and then AH00016 on the
terminal. A certificate that is a CA's, not a leaf, or not for the server's name gets a
warning (AH01906, AH01907, AH01909). The same calls are made here into the system's
libssl, so the messages and OpenSSL's error stacks are the ones apache2 logs; no TLS is
served. SSLPassPhraseDialog builtin asks on the terminal (EVP_read_pw_string, as mod_ssl)
and `exec:` runs the program; phrases given for one key are tried on the next ones.
"""

from __future__ import annotations

import contextlib
import ctypes
import fnmatch
import os
import subprocess
from collections.abc import Iterator

from heartmonitor import SERVER_BASEVERSION, libssl, log
from heartmonitor.http.signature import add_version_component

SSL = "ssl"
BUILTIN_DIALOG_RETRIES = 5
BUILTIN_DIALOG_BACKOFF = 2
MAX_STRING_LEN = 8192
KEY_TYPES = ("RSA", "DSA", "ECC")  # what an exec: dialog is told for the first three keys
# ssl_log_annotate: hints added to the OpenSSL errors they match (ap_strcmp_match).
ANNOTATIONS = (
    ("*envelope*bad*decrypt*", "wrong pass phrase!?"),
    ("*CLIENT_HELLO*unknown*protocol*", "speaking not SSL to HTTPS port!?"),
    ("*CLIENT_HELLO*http*request*", "speaking HTTP to HTTPS port!?"),
    ("*SSL3_READ_BYTES:sslv3*alert*bad*certificate*",
     "Subject CN in certificate not server name or identical to CA!?"),
    ("*self signed certificate in certificate chain*",
     "Client certificate signed by CA not known to server?"),
    ("*peer did not return a certificate*", "No CAs known to server for verification?"),
    ("*no shared cipher*", "Too restrictive SSLCipherSuite or using DSA server certificate?"),
    ("*no start line*",
     "Bad file contents or format - or even just a forgotten SSLCertificateKeyFile?"),
    ("*bad password read*", "You entered an incorrect pass phrase!?"),
    ("*bad mac decode*",
     "Browser still remembered details of a re-created server certificate?"),
)


class Failed(Exception):
    """ssl_init_Module returned an error: start-up stops (AH00016)."""


class ServerSettings:
    """One server's SSLSrvConfigRec as ssl_config_server_merge leaves it (mod_ssl merges)."""

    def __init__(self, server, enabled: bool, cert_files: list[str], key_files: list[str],
                 cert_chain: str | None, pphrase: tuple[str, str | None],
                 protocol: int | None = None, cipher_suite: str | None = None,
                 tls13_ciphers: str | None = None) -> None:
        self.server = server
        self.enabled = enabled
        port = server.port or (443 if enabled else 80)
        self.vhost_id = f"{server.server_hostname or ''}:{port}"  # ssl_util_vhostid
        self.cert_files = cert_files
        self.key_files = key_files
        self.cert_chain = cert_chain
        self.pphrase = pphrase  # ("builtin" | "exec" | "pipe", the program)
        self.protocol = protocol  # SSLProtocol's bits (0: none left); None: the default
        self.cipher_suite = cipher_suite
        self.tls13_ciphers = tls13_ciphers
        self.unchecked = False  # -t --strict left a key needing a pass phrase unread


class _Dialog:
    """pphrase_cb_arg_t: what ssl_pphrase_Handle_CB knows while one key is read."""

    def __init__(self, settings: ServerSettings, key_id: str, key_file: str,
                 phrases: list[bytes]) -> None:
        self.settings = settings
        self.key_id = key_id
        self.key_file = key_file
        self.phrases = phrases
        self.current: int = 0  # nPassPhraseCur
        self.phrase: bytes | None = None  # cpPassPhraseCur
        self.dialogs = 0  # nPassPhraseDialog: the callback's calls for this key
        self.once = True  # bPassPhraseDialogOnce


class SslStartup:
    def __init__(self, httpd, library: ctypes.CDLL) -> None:
        self.httpd = httpd
        self.lib = library
        self.phrases: list[bytes] = []  # the pass phrases given so far (pphrases)
        self.terminal_used = False  # writetty: the builtin dialog wrote on stdout
        self.callback = libssl.PASSWORD_CALLBACK(self._password)
        self.no_prompt = libssl.PASSWORD_CALLBACK(lambda buf, size, rwflag, data: 0)
        self.dialog: _Dialog | None = None
        # key id -> (the key file's mtime, the key's DER): keys opened with a pass phrase,
        # kept across post_config passes and restarts (httpd.retained).
        self.keys: dict[str, tuple[int, bytes]] = httpd.retained.setdefault("mod_ssl_keys", {})
        # -t --strict: the lines kept instead of logged, and no terminal dialog (a key it
        # would open is left unchecked).
        self.findings: list[tuple[int, str]] | None = None
        self.unasked = False

    # -- logging ------------------------------------------------------------------------

    def log(self, level: int, message: str) -> None:
        if self.findings is not None:
            self.findings.append((level, message))
            return
        self.httpd.log_error(SSL, level, message)

    def log_ssl_error(self, level: int) -> None:
        """ssl_log_ssl_error: OpenSSL's error queue, oldest first, emptied."""
        lib = self.lib
        data = ctypes.c_char_p()
        flags = ctypes.c_int()
        text = ctypes.create_string_buffer(256)
        while code := lib.ERR_peek_error_data(ctypes.byref(data), ctypes.byref(flags)):
            lib.ERR_error_string_n(code, text, 256)
            error = text.value.decode("latin-1")
            line = f"SSL Library Error: {error}"
            if flags.value & libssl.ERR_TXT_STRING and data.value is not None:
                line += f" ({data.value.decode('latin-1')})"
            note = next((hint for pattern, hint in ANNOTATIONS
                         if fnmatch.fnmatchcase(error, pattern)), None)
            if note:
                line += f" -- {note}"
            self.log(level, line)
            lib.ERR_get_error()

    def die(self, server) -> Failed:
        """ssl_die: AH02311 for a virtual host with its own ErrorLog, else AH02312."""
        if server.is_virtual and server.error_fname:
            path = self.httpd.server_root_relative(server.error_fname) or server.error_fname
            self.log(log.EMERG, "AH02311: Fatal error initialising mod_ssl, exiting. "
                                f"See {path} for more information")
        else:
            self.log(log.EMERG, "AH02312: Fatal error initialising mod_ssl, exiting.")
        return Failed()

    # -- each server --------------------------------------------------------------------

    def configure_server(self, settings: ServerSettings) -> None:
        """ssl_init_ConfigureServer -> ssl_init_server_ctx for an SSL server."""
        if not settings.enabled:
            return
        if settings.protocol == 0:  # ssl_init_ctx_protocol
            self.log(log.EMERG, "AH02231: No SSL protocols available [hint: SSLProtocol]")
            raise self.die(settings.server)
        lib = self.lib
        context = lib.SSL_CTX_new(lib.TLS_server_method())
        if not context:
            return
        try:
            self.cipher_suites(settings, context)
            if settings.cert_chain and self._chain_length(settings) < 0:
                self.log(log.EMERG, "AH01903: Failed to configure CA certificate chain!")
                raise self.die(settings.server)
            self.server_certs(settings, context)
            if not settings.unchecked and lib.SSL_CTX_check_private_key(context) != 1:
                self.log(log.EMERG, "AH02572: Failed to configure at least one certificate "
                                    f"and key for {settings.vhost_id}")
                self.log_ssl_error(log.EMERG)
                raise self.die(settings.server)
        finally:
            lib.ERR_clear_error()
            lib.SSL_CTX_free(context)

    def cipher_suites(self, settings: ServerSettings, context: int) -> None:
        """ssl_init_ctx_cipher_suite: SSLCipherSuite must leave OpenSSL some cipher."""
        lib = self.lib
        suite = settings.cipher_suite
        if suite is not None and not lib.SSL_CTX_set_cipher_list(context, suite.encode()):
            self.log(log.EMERG, "AH01898: Unable to configure permitted SSL ciphers")
            self.log_ssl_error(log.EMERG)
            raise self.die(settings.server)
        tls13 = settings.tls13_ciphers
        if tls13 is not None and not lib.SSL_CTX_set_ciphersuites(context, tls13.encode()):
            self.log(log.EMERG, "AH10127: Unable to configure permitted TLSv1.3 ciphers")
            self.log_ssl_error(log.EMERG)
            raise self.die(settings.server)

    def _chain_length(self, settings: ServerSettings) -> int:
        """use_certificate_chain (ssl_init_ctx_cert_chain): the SSLCertificateChainFile's
        certificates after the server's own when the file is also an SSLCertificateFile;
        -1 when it cannot be read or holds something else than certificates."""
        lib = self.lib
        chain = settings.cert_chain or ""
        bio = lib.BIO_new_file(os.fsencode(chain), b"r")
        if not bio:
            return -1
        try:
            if chain in settings.cert_files:
                first = lib.PEM_read_bio_X509(bio, None, None, None)
                if not first:
                    return -1
                lib.X509_free(first)
            count = 0
            lib.ERR_clear_error()
            while certificate := lib.PEM_read_bio_X509(bio, None, None, None):
                lib.X509_free(certificate)
                count += 1
            error = lib.ERR_peek_error()
            if error:
                if (libssl.error_lib(error), libssl.error_reason(error)) != (
                        libssl.ERR_LIB_PEM, libssl.PEM_R_NO_START_LINE):
                    return -1
                lib.ERR_clear_error()
            return count
        finally:
            lib.BIO_free(bio)

    def server_certs(self, settings: ServerSettings, context: int) -> None:
        """ssl_init_server_certs: each certificate, its key, their match, the warnings."""
        lib = self.lib
        lib.SSL_CTX_set_default_passwd_cb(context, self.no_prompt)
        for index, cert_file in enumerate(settings.cert_files):
            if cert_file.startswith("pkcs11:"):
                continue  # an engine's: not looked at here
            key_id = f"{settings.vhost_id}:{index}"
            lib.ERR_clear_error()
            path = os.fsencode(cert_file)
            if settings.cert_chain:
                if lib.SSL_CTX_use_certificate_file(context, path, libssl.SSL_FILETYPE_PEM) < 1:
                    self.log(log.EMERG, f"AH02561: Failed to configure certificate {key_id}, "
                                        f"check {cert_file}")
                    self.log_ssl_error(log.EMERG)
                    raise Failed()
            elif lib.SSL_CTX_use_certificate_chain_file(context, path) < 1:
                self.log(log.EMERG, f"AH02562: Failed to configure certificate {key_id} "
                                    f"(with chain), check {cert_file}")
                self.log_ssl_error(log.EMERG)
                raise Failed()
            key_file = (settings.key_files[index] if index < len(settings.key_files)
                        else cert_file)
            lib.ERR_clear_error()
            if (lib.SSL_CTX_use_PrivateKey_file(context, os.fsencode(key_file),
                                                libssl.SSL_FILETYPE_PEM) < 1
                    and _not_a_mismatch(lib.ERR_peek_last_error())):
                lib.ERR_clear_error()
                key = self.load_encrypted_key(settings, index, key_id, key_file)
                if self.unasked:  # -t --strict does not ask for a pass phrase
                    self.unasked = False
                    settings.unchecked = True
                    continue
                if key is None or lib.SSL_CTX_use_PrivateKey(context, key) < 1:
                    if key is not None:
                        lib.EVP_PKEY_free(key)
                    self.log(log.EMERG, "AH02564: Failed to configure encrypted (?) private "
                                        f"key {key_id}, check {key_file}")
                    self.log_ssl_error(log.EMERG)
                    raise Failed()
                lib.EVP_PKEY_free(key)
            if lib.SSL_CTX_check_private_key(context) < 1:
                self.log(log.EMERG, f"AH02565: Certificate and private key {key_id} from "
                                    f"{cert_file} and {key_file} do not match")
                raise Failed()
            certificate = lib.SSL_CTX_get0_certificate(context)
            if not certificate:
                self.log(log.ERR, f"AH02566: Unable to retrieve certificate {key_id}")
                raise Failed()
            self.check_public_cert(settings, certificate, key_id)

    def check_public_cert(self, settings: ServerSettings, certificate: int,
                          key_id: str) -> None:
        """ssl_check_public_cert: warnings, never a failure."""
        constraints = libssl.basic_constraints(self.lib, certificate)
        if constraints is not None:
            is_ca, pathlen = constraints
            if is_ca:
                self.log(log.WARNING, f"AH01906: {key_id} server certificate is a CA "
                                      "certificate (BasicConstraints: CA == TRUE !?)")
            if pathlen > 0:
                self.log(log.WARNING, f"AH01907: {key_id} server certificate is not a leaf "
                                      f"certificate (BasicConstraints: pathlen == {pathlen} "
                                      "> 0 !?)")
        names = libssl.certificate_names(self.lib, certificate)
        if not _matches_name(names, settings.server.server_hostname or ""):
            self.log(log.WARNING, f"AH01909: {key_id} server certificate does NOT include "
                                  "an ID which matches the server name")

    # -- keys -----------------------------------------------------------------------------

    def load_encrypted_key(self, settings: ServerSettings, index: int, key_id: str,
                           key_file: str) -> int | None:
        """ssl_load_encrypted_pkey: the key read with the pass phrases known, the dialog
        asked when they do not open it; None after a fatal error (logged)."""
        server = settings.server
        if not os.access(key_file, os.R_OK) or not os.path.isfile(key_file):
            self.log(log.EMERG, f"AH02574: Init: Can't open server private key file "
                                f"{key_file}")
            self.die(server)
            return None
        mtime = os.stat(key_file).st_mtime_ns
        cached = self.keys.get(key_id)
        if cached is not None and cached[0] == mtime:
            # mod_ssl's tPrivateKey: a key opened with a pass phrase is not asked for again
            # by the second post_config pass, nor by a restart, while the file is the same.
            self.log(log.INFO, f"AH02575: Reusing existing private key from {key_file} on "
                               "restart")
            return self._key_from_der(cached[1])
        self.log(log.INFO, f"AH02576: Attempting to load encrypted (?) private key {key_id}")
        dialog = self.dialog = _Dialog(settings, key_id, key_file, self.phrases)
        known = len(self.phrases)
        retries = 0
        lib = self.lib
        while True:
            dialog.phrase = None
            lib.ERR_clear_error()
            key = self._read_private_key(key_file)
            if key:
                break
            if dialog.current < known:
                dialog.current += 1
                continue
            kind = settings.pphrase[0]
            if kind == "builtin" and dialog.phrase is not None \
                    and retries < BUILTIN_DIALOG_RETRIES:
                left = BUILTIN_DIALOG_RETRIES - retries
                self._tty(f"Apache:mod_ssl:Error: Pass phrase incorrect ({left} more "
                          f"retr{'y' if left == 1 else 'ies'} permitted).\n")
                retries += 1
                continue
            if self.unasked:
                return None
            if dialog.phrase is None:
                if dialog.dialogs and not os.isatty(1):
                    self.log(log.ERR, "AH02578: Init: Unable to read pass phrase [Hint: key "
                                      "introduced or changed before restart?]")
                else:
                    self.log(log.ERR, "AH02579: Init: Private key not found")
                self.log_ssl_error(log.ERR)
                self._tty("Apache:mod_ssl:Error: Private key not found.\n**Stopped\n")
            else:
                self.log(log.EMERG, f"AH02580: Init: Pass phrase incorrect for key {key_id}")
                self.log_ssl_error(log.EMERG)
                self._tty("Apache:mod_ssl:Error: Pass phrase incorrect.\n**Stopped\n")
            self.die(server)
            return None
        if dialog.phrase is not None:
            self.phrases.append(dialog.phrase)
        if dialog.dialogs and self.findings is None:
            self.keys[key_id] = (mtime, self._key_der(key))
        if dialog.dialogs and dialog.phrase is not None:
            self._tty("\nOK: Pass Phrase Dialog successful.\n")
        return key

    def _key_der(self, key: int) -> bytes:
        """i2d_PrivateKey: the key as mod_ssl keeps it between passes."""
        lib = self.lib
        length = lib.i2d_PrivateKey(key, None)
        if length <= 0:
            return b""
        buffer = ctypes.create_string_buffer(length)
        cursor = ctypes.c_void_p(ctypes.addressof(buffer))
        lib.i2d_PrivateKey(key, ctypes.byref(cursor))
        return buffer.raw

    def _key_from_der(self, der: bytes) -> int | None:
        """d2i_AutoPrivateKey of a kept key."""
        buffer = ctypes.create_string_buffer(der, len(der))
        cursor = ctypes.c_void_p(ctypes.addressof(buffer))
        return self.lib.d2i_AutoPrivateKey(None, ctypes.byref(cursor), len(der)) or None

    def _read_private_key(self, key_file: str) -> int | None:
        """modssl_read_privatekey: PEM, then base64 DER, then DER."""
        lib = self.lib
        path = os.fsencode(key_file)
        bio = lib.BIO_new_file(path, b"r")
        if not bio:
            return None
        key = lib.PEM_read_bio_PrivateKey(bio, None, self.callback, None)
        lib.BIO_free(bio)
        if key:
            return key
        bio = lib.BIO_new_file(path, b"r")
        if not bio:
            return None
        base64 = lib.BIO_new(lib.BIO_f_base64())
        if not base64:
            lib.BIO_free(bio)
            return None
        bio = lib.BIO_push(base64, bio)
        key = lib.d2i_PrivateKey_bio(bio, None)
        lib.BIO_free_all(bio)
        if key:
            return key
        bio = lib.BIO_new_file(path, b"r")
        if not bio:
            return None
        key = lib.d2i_PrivateKey_bio(bio, None)
        lib.BIO_free(bio)
        return key or None

    def _password(self, buffer: int, size: int, rwflag: int, data: int) -> int:
        """ssl_pphrase_Handle_CB: a remembered phrase, else the configured dialog."""
        dialog = self.dialog
        if dialog is None:
            return 0
        dialog.dialogs += 1
        if dialog.current < len(dialog.phrases):
            return _give(buffer, size, dialog.phrases[dialog.current])
        kind, program = dialog.settings.pphrase
        if kind == "builtin":
            return self._builtin(dialog, buffer, size)
        if kind == "exec" and program:
            index = int(dialog.key_id.rsplit(":", 1)[1])
            name = dialog.key_id.rsplit(":", 1)[0]
            self.log(log.INFO, "AH01969: Init: Requesting pass phrase from dialog filter "
                               f"program ({program})")
            phrase = _read_filter(program, [name, KEY_TYPES[index] if index < 3
                                            else str(index)])
            dialog.phrase = phrase
            return _give(buffer, size, phrase)
        self._problem_getting_password()  # the |pipe dialog is not run here
        return -1

    def _builtin(self, dialog: _Dialog, buffer: int, size: int) -> int:
        """The builtin terminal dialog: the prompt on stdout, EVP_read_pw_string reads."""
        if self.findings is not None:
            self.unasked = True
            return -1
        self.terminal_used = True
        self.log(log.INFO, "AH01968: Init: Requesting pass phrase via builtin terminal dialog")
        if dialog.dialogs == 1:
            self._tty(f"{SERVER_BASEVERSION} mod_ssl (Pass Phrase Dialog)\n"
                      "Some of your private key files are encrypted for security reasons.\n"
                      "In order to read them you have to provide the pass phrases.\n")
        if dialog.once:
            dialog.once = False
            self._tty(f"\nPrivate key {dialog.key_id} ({dialog.key_file})\n")
        while True:
            self._tty("Enter pass phrase:")
            with _stderr_into_error_log(self.httpd):
                failed = self.lib.EVP_read_pw_string(buffer, size, b"", 0) != 0
            if failed:
                self._problem_getting_password()
                ctypes.memset(buffer, 0, size)
                return -1
            phrase = ctypes.string_at(buffer)
            if phrase:
                dialog.phrase = phrase
                return len(phrase)
            self._tty("Apache:mod_ssl:Error: Pass phrase empty (needs to be at least 1 "
                      "character).\n")

    def _problem_getting_password(self) -> None:
        """PEMerr(PEM_F_PEM_DEF_CALLBACK, PEM_R_PROBLEMS_GETTING_PASSWORD)."""
        lib = self.lib
        lib.ERR_new()
        lib.ERR_set_debug(b"ssl_engine_pphrase.c", 0, b"ssl_pphrase_Handle_CB")
        lib.ERR_set_error(libssl.ERR_LIB_PEM, libssl.PEM_R_PROBLEMS_GETTING_PASSWORD, None)

    def _tty(self, text: str) -> None:
        """writetty: what the builtin dialog writes, on standard output as it is."""
        if self.terminal_used:
            with contextlib.suppress(OSError):
                os.write(1, text.encode("latin-1", "replace"))


@contextlib.contextmanager
def _stderr_into_error_log(httpd) -> Iterator[None]:
    """httpd's standard error is its error log once the logs are open: what OpenSSL's
    terminal dialog writes there (a newline when it cannot read) lands in the log."""
    stream = httpd.error_log.target.stream if httpd.error_log is not None else None
    try:
        fileno = stream.fileno() if stream is not None else -1
    except (AttributeError, OSError, ValueError):
        fileno = -1
    if stream is None or fileno < 0 or fileno == 2:
        yield
        return
    with contextlib.suppress(OSError, ValueError):
        stream.flush()
    saved = os.dup(2)
    try:
        os.dup2(fileno, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _give(buffer: int, size: int, phrase: bytes) -> int:
    """apr_cpystrn into OpenSSL's buffer: at most size - 1 bytes and a NUL."""
    phrase = phrase[: max(size - 1, 0)]
    ctypes.memmove(buffer, phrase + b"\0", len(phrase) + 1)
    return len(phrase)


def _read_filter(program: str, arguments: list[str]) -> bytes:
    """ssl_util_readfilter: the program's first line (to CR or LF, 8191 bytes at most)."""
    try:
        result = subprocess.run([program, *arguments], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=None, check=False)
    except OSError:
        return b""
    out = result.stdout[: MAX_STRING_LEN - 1]
    for end, byte in enumerate(out):
        if byte in (10, 13):
            return out[:end]
    return out


def _not_a_mismatch(code: int) -> bool:
    """CHECK_PRIVKEY_ERROR (OpenSSL 3): the key could not be read, rather than read and
    found not to fit the certificate."""
    return libssl.error_lib(code) != libssl.ERR_LIB_X509 or libssl.error_reason(code) not in (
        libssl.X509_R_KEY_TYPE_MISMATCH, libssl.X509_R_KEY_VALUES_MISMATCH,
        libssl.X509_R_UNKNOWN_KEY_TYPE)


def _matches_name(identities: list[str], name: str) -> bool:
    """modssl_X509_match_name with wildcards: "*." stands for the first label only."""
    dot = name.find(".")
    for identity in identities:
        if identity.lower() == name.lower():
            return True
        if identity.startswith("*.") and dot >= 0 and identity[1:].lower() == name[dot:].lower():
            return True
    return False


def post_config(httpd, servers: list[ServerSettings], session_cache: bool) -> bool:
    """ssl_init_Module: the OpenSSL version component, the session cache warning, then
    every SSL server's certificates and keys, in httpd's server order; False stops
    start-up."""
    version = libssl.library_version()
    if version:
        add_version_component(httpd, version)
    library = libssl.start_up_library()
    if library is None:
        return True
    startup = SslStartup(httpd, library)
    if httpd.main_state != "create-pre-config" and not session_cache:
        startup.log(log.WARNING, "AH01873: Init: Session Cache is not configured "
                                 "[hint: SSLSessionCache]")
    try:
        for settings in servers:
            startup.configure_server(settings)
    except Failed:
        return False
    check_servers(startup, servers)
    return True


def check_servers(startup: SslStartup, servers: list[ServerSettings]) -> None:
    """ssl_init_CheckServers: HTTPS on the HTTP port, or HTTP on the HTTPS one (the port
    of ServerName), is worth a warning."""
    for settings in servers:
        port = settings.server.port
        if settings.enabled and port == 80:
            startup.log(log.WARNING, f"AH01915: Init: ({settings.vhost_id}) You configured "
                                     "HTTPS(443) on the standard HTTP(80) port!")
        if not settings.enabled and port == 443:
            startup.log(log.WARNING, f"AH01916: Init: ({settings.vhost_id}) You configured "
                                     "HTTP(80) on the standard HTTPS(443) port!")


def strict_findings(httpd, servers: list[ServerSettings]) -> list[tuple[int, str]]:
    """`-t --strict`: what ssl_init_Module would log before it stops start-up (nothing
    when it would start), without the terminal dialog."""
    library = libssl.start_up_library()
    if library is None:
        return []
    startup = SslStartup(httpd, library)
    startup.findings = []
    try:
        for settings in servers:
            startup.configure_server(settings)
    except Failed:
        # What LogLevel's default (warn) shows of them.
        return [(level, message) for level, message in startup.findings
                if level <= log.WARNING]
    return []
