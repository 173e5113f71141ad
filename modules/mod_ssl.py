"""mod_ssl's configuration checks (modules/ssl/ssl_engine_config.c).

Keywords (SSLEngine, SSLProtocol, SSLVerifyClient, SSLOptions ...), numbers, the files
and directories that certificate, key and CA directives name (they must exist, and a
file must be a non-empty regular file), session caches, random seeds, SSLRequire
expressions: each checked as its ssl_cmd_* handler does. No TLS is served.
`-D DUMP_CERTS` lists the certificate files of every server, as mod_ssl's test_config hook.
When the server starts, each SSL server's certificates and keys are loaded with OpenSSL as
ssl_init_Module loads them (heartmonitor.ssl_startup): a failure stops start-up.
"""

from __future__ import annotations

import os

from heartmonitor import socache
from heartmonitor.apr.uri import UriError, uri_parse
from heartmonitor.checkmodule import checks_module, server_warning
from heartmonitor.cnum import atoi
from heartmonitor.config.words import getword_conf
from heartmonitor.cstr import ascii_lower
from heartmonitor.module import MIDDLE, Hook
from heartmonitor.server import Httpd
from heartmonitor.server_rec import ServerRec

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Callable

WARN = 4
NOTICE = 5
# ssl_proto_t bits; Debian's OpenSSL is built without SSLv3, so "all" leaves it out.
_PROTOCOLS = {"tlsv1": 4, "tlsv1.1": 8, "tlsv1.2": 16, "tlsv1.3": 32, "all": 60}
_OPTIONS = frozenset(("stdenvvars", "exportcertdata", "fakebasicauth", "strictrequire",
                      "optrenegotiate", "legacydnstringformat"))
_VERIFY = frozenset(("none", "off", "optional", "require", "on", "optional_no_ca"))


def _path(cmd, name: str) -> str | None:
    return cmd.httpd.server_root_relative(name)


def check_file(cmd, mconfig, arg: str) -> str | None:
    """ssl_cmd_check_file: an existing, regular, non-empty file (pkcs11: URIs excepted)."""
    name = cmd.cmd.name
    if name in ("SSLCertificateFile", "SSLCertificateKeyFile") and arg.startswith("pkcs11:"):
        return None
    if cmd.httpd.run_mode == "config-dump":  # only dumping: paths are not verified
        return None
    path = _path(cmd, arg)
    if path is None:
        return f"{name}: Invalid file path {arg}"
    try:
        stat = os.stat(path)
        good = os.path.isfile(path) and stat.st_size > 0
    except (OSError, ValueError):
        good = False
    if not good:
        return f"{name}: file '{path}' does not exist or is empty"
    return None


def check_dir(cmd, mconfig, arg: str) -> str | None:
    """ssl_cmd_check_dir: an existing directory."""
    path = _path(cmd, arg)
    if path is None:
        return f"{cmd.cmd.name}: Invalid dir path {arg}"
    if not os.path.isdir(path):
        return f"{cmd.cmd.name}: directory '{path}' does not exist"
    return None


def ssl_engine(cmd, mconfig, arg: str) -> str | None:
    """As Debian's 2.4.71 has it: 'optional' is only noted, anything else refused."""
    lower = ascii_lower(arg)
    if lower == "optional":
        cmd.httpd.log_startup_error("ssl", NOTICE,
                                    "AH10510: 'SSLEngine optional' is no longer supported")
        return None
    if lower not in ("on", "off"):
        return "Argument must be On or Off"
    cmd.server.module_config[MODULE].enabled = lower == "on"
    return None


def cipher_suite(cmd, mconfig, first: str, second) -> str | None:
    """ssl_cmd_SSLCipherSuite: a server's suites are kept for start-up, the SSL ones with
    null and export ciphers always disabled."""
    server_suite = cmd.path is None and cmd.cmd.name == "SSLCipherSuite"
    config = cmd.server.module_config[MODULE]
    if second is None:
        first, second = "SSL", first
    if first == "SSL":
        if server_suite:
            config.cipher_suite = f"{second}:!aNULL:!eNULL:!EXP"
        return None
    if first == "TLSv1.3":
        if cmd.path is not None and cmd.cmd.name == "SSLCipherSuite":
            return "TLSv1.3 ciphers cannot be set inside a directory context"
        if server_suite:
            config.tls13_ciphers = second
        return None
    return f"protocol '{first}' not supported"


def protocol(cmd, mconfig, arg: str) -> str | None:
    """ssl_cmd_protocol_parse, with AH02532 when a bare protocol replaces earlier ones
    of the same directive (Debian's 2.4.71 starts each directive afresh)."""
    options = 0
    pos = 0
    while pos < len(arg):
        word, pos = getword_conf(arg, pos)
        action = ""
        if word[:1] in ("+", "-"):
            action, word = word[0], word[1:]
        lower = ascii_lower(word)
        if lower == "sslv2":
            if action == "-":
                continue
            return "SSLProtocol: SSLv2 is no longer supported"
        if lower == "sslv3":
            if action != "-":
                return "SSLv3 not supported by this version of OpenSSL"
            continue
        bits = _PROTOCOLS.get(lower)
        if bits is None:
            return f"{cmd.cmd.name}: Illegal protocol '{word}'"
        if action == "-":
            options &= ~bits
        elif action == "+":
            options |= bits
        else:
            if options:
                server_warning(
                    cmd, "ssl", WARN,
                    f"AH02532: {cmd.cmd.name}: Protocol '{word}' overrides already set "
                    "parameter(s). Check if a +/- prefix is missing.")
            options = bits
    if cmd.cmd.name == "SSLProtocol":
        cmd.server.module_config[MODULE].protocol = options
    return None


def verify(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) not in _VERIFY:
        return f"{cmd.cmd.name}: Invalid argument '{arg}'"
    return None


def verify_depth(cmd, mconfig, arg: str) -> str | None:
    if atoi(arg) < 0:
        return f"{cmd.cmd.name}: Invalid argument '{arg}'"
    return None


def crl_check(cmd, mconfig, arg: str) -> str | None:
    word, pos = getword_conf(arg)
    if ascii_lower(word) not in ("none", "leaf", "chain"):
        return f"{cmd.cmd.name}: Invalid argument '{word}'"
    while pos < len(arg):
        word, pos = getword_conf(arg, pos)
        if ascii_lower(word) != "no_crl_for_cert_ok":
            return f"{cmd.cmd.name}: Invalid argument '{word}'"
    return None


def ocsp_enable(cmd, mconfig, arg: str) -> str | None:
    word, pos = getword_conf(arg)
    if ascii_lower(word) not in ("on", "off", "leaf"):
        return f"{cmd.cmd.name}: Invalid argument '{word}'"
    while pos < len(arg):
        word, pos = getword_conf(arg, pos)
        if ascii_lower(word) != "no_ocsp_for_cert_ok":
            return f"{cmd.cmd.name}: Invalid argument '{word}'"
    return None


def _socache(cmd, arg: str, what: str) -> str | None:
    """SSLSessionCache/SSLStaplingCache's provider: 'name:args' or 'name', then its create()."""
    name, colon, rest = arg.partition(":")
    if socache.lookup(cmd.httpd, name):
        error = socache.create_error(cmd.httpd, name, rest if colon else None)
        return f"{cmd.cmd.name}: {error}" if error else None
    known = socache.provider_names(cmd.httpd)
    if what == "session":
        return (f"{cmd.cmd.name}: '{name}' session cache not supported (known names: {known}). "
                f"Maybe you need to load the appropriate socache module (mod_socache_{name}?).")
    return (f"SSLStaplingCache: '{name}' stapling cache not supported (known names: {known}) "
            f"Maybe you need to load the appropriate socache module (mod_socache_{name}?)")


def session_cache(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) in ("none", "nonenotnull"):
        return None
    error = _socache(cmd, arg, "session")
    if error is None:  # mc->sesscache: a later "none" does not take it back
        cmd.server.module_config[MODULE].session_cache = True
    return error


def stapling_cache(cmd, mconfig, arg: str) -> str | None:
    return _socache(cmd, arg, "stapling")


def openssl_conf_cmd(cmd, mconfig, name: str, value: str) -> str | None:
    """ssl_cmd_SSLOpenSSLConfCmd: a command OpenSSL knows; a file or directory must exist."""
    # Imported here: libssl is opened only for configurations that use the directive.
    from heartmonitor import libssl

    kind = libssl.conf_value_type(name)
    if kind == libssl.SSL_CONF_TYPE_UNKNOWN:
        return f"'{name}': invalid OpenSSL configuration command"
    if kind == libssl.SSL_CONF_TYPE_FILE:
        return check_file(cmd, mconfig, value)
    if kind == libssl.SSL_CONF_TYPE_DIR:
        return check_dir(cmd, mconfig, value)
    return None


def compression(cmd, mconfig, flag: bool) -> str | None:
    if not flag:
        return None
    from heartmonitor import libssl  # only when a configuration turns compression on

    if not libssl.has_compression_methods():
        return ("This version of OpenSSL does not have any compression methods available, "
                "cannot enable SSLCompression.")
    return None


def fips(cmd, mconfig, flag: bool) -> str | None:
    config = cmd.server.module_config[MODULE]
    if config.fips is not None and config.fips != flag:
        return "Conflicting SSLFIPS options, cannot be both On and Off"
    config.fips = flag
    return None


def session_cache_timeout(cmd, mconfig, arg: str) -> str | None:
    if atoi(arg) < 0:
        return "SSLSessionCacheTimeout: Invalid argument"
    return None


def ssl_options(cmd, mconfig, arg: str) -> str | None:
    pos = 0
    while pos < len(arg):
        word, pos = getword_conf(arg, pos)
        if word[:1] in ("+", "-"):
            word = word[1:]
        if ascii_lower(word) not in _OPTIONS:
            return f"SSLOptions: Illegal option '{word}'"
    return None


def ssl_require(cmd, mconfig, arg: str) -> str | None:
    # Imported here: the expression tables load only for configurations that use them.
    from heartmonitor.expr import parse_cmd

    error = parse_cmd(cmd, arg)
    if error is not None:
        return f"SSLRequire: {error}"
    return None


def reneg_buffer_size(cmd, mconfig, arg: str) -> str | None:
    if atoi(arg) < 0:
        return f"Invalid size for SSLRenegBufferSize: {arg}"
    return None


def pass_phrase_dialog(cmd, mconfig, arg: str) -> str | None:
    config = cmd.server.module_config[MODULE]
    if ascii_lower(arg) == "builtin":
        config.pphrase_dialog = ("builtin", None)
        return None
    if len(arg) > 5 and arg.startswith("exec:"):
        path = _path(cmd, arg[5:])
        if path is None:
            return f"Invalid SSLPassPhraseDialog exec: path {arg[5:]}"
        if not os.path.exists(path):
            return f"SSLPassPhraseDialog: file '{path}' does not exist"
        config.pphrase_dialog = ("exec", path)
        return None
    if len(arg) > 1 and arg[0] == "|":
        config.pphrase_dialog = ("pipe", arg[1:])
        return None
    return "SSLPassPhraseDialog: Invalid argument"


def crypto_device(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) in ("builtin", "dynamic"):
        return None
    return ("SSLCryptoDevice: Invalid argument; must be one of: 'builtin' (none), "
            "'dynamic' (Dynamic engine loading support)")


def random_seed(cmd, mconfig, context: str, source: str, count) -> str | None:
    if ascii_lower(context) not in ("startup", "connect"):
        return f"SSLRandomSeed: invalid context: `{context}'"
    builtin = False
    if len(source) > 5 and source[:5] in ("file:", "exec:"):
        path = _path(cmd, source[5:])
    elif len(source) > 4 and source.startswith("egd:"):
        return (f"Invalid SSLRandomSeed entropy source `{source}': This version of OpenSSL "
                "does not support the Entropy Gathering Daemon (EGD).")
    elif ascii_lower(source) == "builtin":
        builtin = True
        path = None
    else:
        path = _path(cmd, source)
    if not builtin:
        if path is None:
            return f"Invalid SSLRandomSeed path {source}"
        if not os.path.exists(path):
            return f"SSLRandomSeed: source path '{path}' does not exist"
    if count is not None:
        if builtin:
            return "SSLRandomSeed: byte specification not allowed for builtin seed source"
        if atoi(count) < 0:
            return "SSLRandomSeed: invalid number of bytes specified"
    return None


def _non_negative(message: str):
    def handler(cmd, mconfig, arg: str) -> str | None:
        return message if atoi(arg) < 0 else None

    return handler


def ocsp_proxy_url(cmd, mconfig, arg: str) -> str | None:
    """SSLOCSPProxyURL: apr_uri_parse must split it."""
    try:
        uri_parse(arg)
    except UriError:
        return f"SSLOCSPProxyURL: Cannot parse URL {arg}"
    return None


_FILES = ("SSLCertificateFile", "SSLCertificateKeyFile", "SSLCertificateChainFile",
          "SSLSessionTicketKeyFile", "SSLCACertificateFile", "SSLCADNRequestFile",
          "SSLCARevocationFile", "SSLProxyCACertificateFile", "SSLProxyCARevocationFile",
          "SSLProxyMachineCertificateFile", "SSLProxyMachineCertificateChainFile",
          "SSLSRPVerifierFile", "SSLOCSPResponderCertificateFile")
_DIRS = ("SSLCACertificatePath", "SSLCADNRequestPath", "SSLCARevocationPath",
         "SSLProxyCACertificatePath", "SSLProxyCARevocationPath",
         "SSLProxyMachineCertificatePath")
# Certificates a virtual host's own entries replace, one per key type (RSA, DSA, ECC).
CERTKEYS_IDX_MAX = 2


class SslServerConfig:
    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.cert_files: list[str] = []
        self.key_files: list[str] = []
        self.cert_chain: str | None = None
        self.enabled: bool | None = None  # SSLEngine; unset: the main server's
        self.pphrase_dialog: tuple[str, str | None] | None = None
        self.fips: bool | None = None  # SSLModConfigRec's, set in the main server only
        self.session_cache = False  # SSLModConfigRec's: a cache provider was named
        self.protocol: int | None = None  # SSLProtocol's bits; unset: OpenSSL's default
        self.cipher_suite: str | None = None
        self.tls13_ciphers: str | None = None


def certificate_file(cmd, mconfig, arg: str) -> str | None:
    """ssl_cmd_SSLCertificateFile: checked, then kept (absolute unless only dumping)."""
    error = check_file(cmd, mconfig, arg)
    if error:
        return error
    if not arg.startswith("pkcs11:") and cmd.httpd.run_mode != "config-dump":
        arg = _path(cmd, arg) or arg
    cmd.server.module_config[MODULE].cert_files.append(arg)
    return None


def key_file(cmd, mconfig, arg: str) -> str | None:
    """ssl_cmd_SSLCertificateKeyFile: checked, then kept as SSLCertificateFile is."""
    error = check_file(cmd, mconfig, arg)
    if error:
        return error
    if not arg.startswith("pkcs11:") and cmd.httpd.run_mode != "config-dump":
        arg = _path(cmd, arg) or arg
    cmd.server.module_config[MODULE].key_files.append(arg)
    return None


def chain_file(cmd, mconfig, arg: str) -> str | None:
    """ssl_cmd_SSLCertificateChainFile: with one, certificates load without their chain."""
    error = check_file(cmd, mconfig, arg)
    if error is None:
        cmd.server.module_config[MODULE].cert_chain = _path(cmd, arg) or arg
    return error


def merged_cert_files(base: list[str], add: list[str]) -> list[str]:
    """modssl_ctx_cfg_merge_certkeys_array: a virtual host's files knock out the main
    server's at the same index; the rest of both follow."""
    merged = add[: CERTKEYS_IDX_MAX + 1]
    merged += base[len(merged):]
    merged += add[CERTKEYS_IDX_MAX + 1 :]
    return merged


def dump_certs(httpd) -> None:
    """ssl_hook_ConfigTest: every server's certificate files (the main server's, then the
    virtual hosts' last first, as httpd chains them)."""
    if not httpd.exists_config_define("DUMP_CERTS"):
        return
    out = httpd.stdout
    out.write("Server certificates:\n")
    main = httpd.server_conf.module_config[MODULE].cert_files
    for name in main:
        out.write(f"  {name}\n")
    for server in reversed(httpd.vhosts):
        config = server.module_config.get(MODULE)
        own = config.cert_files if config is not None else []
        for name in merged_cert_files(main, own):
            out.write(f"  {name}\n")


# handler(cmd, mconfig, *args) for each directive; their arities differ.
_HANDLERS: dict[str, Callable[..., str | None]] = {name: check_file for name in _FILES}
_HANDLERS["SSLCertificateFile"] = certificate_file
_HANDLERS["SSLCertificateKeyFile"] = key_file
_HANDLERS["SSLCertificateChainFile"] = chain_file
_HANDLERS.update({name: check_dir for name in _DIRS})
_HANDLERS.update({
    "SSLEngine": ssl_engine, "SSLCipherSuite": cipher_suite, "SSLProxyCipherSuite": cipher_suite,
    "SSLProtocol": protocol, "SSLProxyProtocol": protocol, "SSLVerifyClient": verify,
    "SSLProxyVerify": verify, "SSLVerifyDepth": verify_depth,
    "SSLProxyVerifyDepth": verify_depth, "SSLCARevocationCheck": crl_check,
    "SSLProxyCARevocationCheck": crl_check, "SSLOCSPEnable": ocsp_enable,
    "SSLSessionCache": session_cache, "SSLSessionCacheTimeout": session_cache_timeout,
    "SSLStaplingCache": stapling_cache, "SSLOpenSSLConfCmd": openssl_conf_cmd,
    "SSLCompression": compression, "SSLFIPS": fips,
    "SSLOptions": ssl_options, "SSLRequire": ssl_require,
    "SSLRenegBufferSize": reneg_buffer_size, "SSLPassPhraseDialog": pass_phrase_dialog,
    "SSLCryptoDevice": crypto_device, "SSLRandomSeed": random_seed,
    "SSLOCSPResponseTimeSkew": _non_negative("SSLOCSPResponseTimeSkew: invalid argument"),
    "SSLOCSPResponseMaxAge": _non_negative("SSLOCSPResponseMaxAge: invalid argument"),
    "SSLOCSPResponderTimeout": _non_negative("SSLOCSPResponderTimeout: invalid argument"),
    "SSLOCSPProxyURL": ocsp_proxy_url,
    "SSLStaplingResponseTimeSkew": _non_negative(
        "SSLStaplingResponseTimeSkew: invalid argument"),
    "SSLStaplingResponseMaxAge": _non_negative("SSLStaplingResponseMaxAge: invalid argument"),
    "SSLStaplingStandardCacheTimeout": _non_negative(
        "SSLStaplingStandardCacheTimeout: invalid argument"),
    "SSLStaplingErrorCacheTimeout": _non_negative(
        "SSLStaplingErrorCacheTimeout: invalid argument"),
    "SSLStaplingResponderTimeout": _non_negative(
        "SSLStaplingResponderTimeout: invalid argument"),
})

def _ssl_servers(httpd, ssl_startup) -> list:
    """Each server's merged settings, in httpd's order (s->next: the main server, then
    the virtual hosts last first)."""
    main = httpd.server_conf.module_config[MODULE]
    servers = []
    for server in (httpd.server_conf, *reversed(httpd.vhosts)):  # httpd's s->next order
        own = server.module_config.get(MODULE) or main
        base = main if own is not main else SslServerConfig(httpd, server)
        enabled = own.enabled if own.enabled is not None else base.enabled
        servers.append(ssl_startup.ServerSettings(
            server, bool(enabled), merged_cert_files(base.cert_files, own.cert_files),
            merged_cert_files(base.key_files, own.key_files),
            own.cert_chain or base.cert_chain,
            main.pphrase_dialog or ("builtin", None),
            own.protocol if own.protocol is not None else base.protocol,
            own.cipher_suite or base.cipher_suite, own.tls13_ciphers or base.tls13_ciphers))
    return servers


def init_module(httpd) -> bool:
    """ssl_init_Module: each SSL server's certificates and keys loaded with OpenSSL, as
    mod_ssl loads them when httpd starts (`-t` does not)."""
    # Imported here: the OpenSSL bindings load only when a server starts.
    from heartmonitor import ssl_startup

    return ssl_startup.post_config(httpd, _ssl_servers(httpd, ssl_startup),
                                   httpd.server_conf.module_config[MODULE].session_cache)


def strict_check(httpd) -> list:
    """`-t --strict`: the certificates and keys that would stop start-up."""
    # Imported here: only strict mode (and a start) loads the OpenSSL bindings.
    from heartmonitor import ssl_startup
    from heartmonitor.strict import Finding

    return [Finding("ssl", level, message) for level, message in
            ssl_startup.strict_findings(httpd, _ssl_servers(httpd, ssl_startup))]


MODULE = checks_module("mod_ssl", _HANDLERS, hooks={"test_config": Hook(dump_certs, MIDDLE),
                                                    "post_config": Hook(init_module, MIDDLE),
                                                    "strict_check": strict_check},
                       create_server_config=SslServerConfig)
