"""mod_proxy's configuration checks (modules/proxy/mod_proxy.c, proxy_util.c).

heartmonitor proxies nothing. It checks what `httpd -t` checks: <Proxy>/<ProxyMatch>
sections (their contents are walked with the proxy override), the URLs of ProxyPass,
BalancerMember and ProxySet ("unix:" ones included), every worker and balancer parameter
(ranges, On/Off values, lbmethods that no loaded module provides), ProxyRemote(Match),
ProxyPassReverse, ProxySourceAddress, and the worker messages (AH01145-AH01150).
"""

from __future__ import annotations

from heartmonitor.apr.fnmatch import fnmatch_test
from heartmonitor.apr.sockaddr import sockaddr_info_get
from heartmonitor.apr.uri import SCHEME_PORTS, UriError, uri_parse
from heartmonitor.checkmodule import checks_module, server_warning
from heartmonitor.cnum import atof, atoi, atol, strtoul, to_int32
from heartmonitor.config.command import NOT_IN_DIRECTORY, NOT_IN_FILES
from heartmonitor.config.values import UnparseableTimeout, timeout_parameter_parse
from heartmonitor.config.walker import check_cmd_context
from heartmonitor.config.words import getword_conf
from heartmonitor.containers import proxy_section
from heartmonitor.cstr import ascii_lower
from heartmonitor.regex import pregcomp
from heartmonitor.server import Httpd
from heartmonitor.server_rec import ServerRec

PROXY_LBMETHOD = "proxylbmethod"
BALANCER_PREFIX = "balancer://"
WARN = 4
INFO = 6
DEBUG = 7
# Sizes of the fixed buffers in proxy_worker_shared / proxy_balancer_shared.
_ROUTE_SIZE = 64
_FLUSHER_SIZE = 16
_UPGRADE_SIZE = 16
_SECRET_SIZE = 64
_NONCE_SIZE = 37
_LBPNAME_SIZE = 64
_HOSTNAME_SIZE = 256
_WORKER_STATUS = frozenset("DSIHENRCdsiheNrc")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21, "ajp": 8009,
                  "scgi": 4000, "fcgi": 8000, "h2": 443, "h2c": 80, "uwsgi": 3031}
_ON_OFF = {"keepalive": "KeepAlive must be On|Off",
           "disablereuse": "DisableReuse must be On|Off",
           "enablereuse": "EnableReuse must be On|Off"}
_POSITIVE_COUNTS = {"min": "Min must be a positive number", "max": "Max must be a positive number",
                    "smax": "Smax must be a positive number"}
_BALANCER_ON_OFF = {"nofailover": "failover must be On|Off",
                    "scolonpathdelim": "scolonpathdelim must be On|Off",
                    "failontimeout": "failontimeout must be On|Off",
                    "forcerecovery": "forcerecovery must be On|Off"}
_MATCH, _PREFIX = "match", "prefix"


class ProxyConfig:
    """proxy_server_conf: the balancers and workers defined so far."""

    def __init__(self, httpd: Httpd, server: ServerRec) -> None:
        self.balancers: dict[str, dict] = {}
        self.workers: list[str] = []


def _conf(cmd) -> ProxyConfig:
    return cmd.server.module_config[MODULE]


def is_balancer(name: str) -> bool:
    """ap_proxy_valid_balancer_name."""
    return ascii_lower(name[: len(BALANCER_PREFIX)]) == BALANCER_PREFIX


def _balancer_key(name: str) -> str:
    """The balancer's name as ap_proxy_get_balancer compares it: no path, lowercase."""
    colon = name.find(":")
    rest = name[colon + 3:]
    slash = rest.find("/")
    if slash >= 0:
        rest = rest[:slash]
    return ascii_lower(name[:colon + 3] + rest)


def define_balancer(cmd, name: str) -> str | None:
    """ap_proxy_define_balancer (or find it): None or httpd's error."""
    colon = name.find(":")
    if colon < 0 or name[colon + 1:colon + 3] != "//" or len(name) == colon + 3:
        return f"Bad syntax for a balancer name ({name})"
    _conf(cmd).balancers.setdefault(_balancer_key(name), {"name": name, "lbmethod": None})
    return None


def define_worker(url: str, match: bool) -> tuple[str | None, str | None]:
    """ap_proxy_define_worker_ex's URL checks: (worker name, None) or (None, error)."""
    target = url
    if ascii_lower(url[:5]) == "unix:" and "|" in url[5:]:
        target = url[url.index("|", 5) + 1:]
        socket_path = True
    else:
        socket_path = False
    if match:
        target = _drop_port_reference(target)
    try:
        uri = uri_parse(target)
    except UriError:
        return None, f"Unable to parse URL: {url}"
    if not uri.scheme:
        return None, f"URL must be absolute!: {url}"
    if not uri.hostname:
        if not socket_path:
            return None, f"URL must be absolute!: {url}"
        uri.hostname = "localhost"
    if len(uri.hostname) >= _HOSTNAME_SIZE:
        return None, f"worker hostname ({ascii_lower(uri.hostname)}) too long"
    scheme = ascii_lower(uri.scheme)
    # apr_uri_unparse writes the port as it was written (port_str), unless it is the
    # scheme's default, for mod_proxy or for APR.
    port = ("" if not uri.port_str or uri.port in (0, _DEFAULT_PORTS.get(scheme),
                                                   SCHEME_PORTS.get(scheme))
            else f":{uri.port_str}")
    host = ascii_lower(uri.hostname)
    if ":" in host:
        host = f"[{host}]"
    name = f"{scheme}://{host}{port}{uri.path or ''}"
    return name, None


def _drop_port_reference(url: str) -> str:
    """A ProxyPassMatch port given as $N is not part of the worker's address."""
    pos = url.find("://")
    if pos < 0:
        return url
    pos += 3
    while pos < len(url) and url[pos] not in ":/":
        pos += 1
    if url[pos:pos + 1] != ":":
        return url
    pos += 1
    while pos < len(url) and url[pos] != "/" and not (
            url[pos] == "$" and url[pos + 1:pos + 2].isdigit()):
        pos += 1
    if url[pos:pos + 1] != "$":
        return url
    end = pos + 2
    while end < len(url) and url[end] != "/":
        end += 1
    return url[:pos] + url[end:]


def _c_length(value: str) -> int:
    """strlen() of the value as httpd holds it (bytes, not characters)."""
    return len(value.encode("utf-8", "surrogateescape"))


def de_socketfy(url: str) -> str | None:
    """ap_proxy_de_socketfy: the URL after a "unix:PATH|" prefix (None when what follows
    has no scheme); "scheme:" and "scheme://" alone stand for scheme://localhost."""
    if ascii_lower(url[:5]) != "unix:" or "|" not in url[5:]:
        return url
    rest = url[url.index("|", 5) + 1:]
    colon = rest.find(":")
    if colon < 0:
        return None
    if colon + 1 == len(rest):
        return rest + "//localhost"
    if rest[colon + 1:] == "//":
        return rest + "localhost"
    return rest


def _timeout_ms(value: str, unit: str) -> int | None:
    try:
        return timeout_parameter_parse(value, unit)
    except UnparseableTimeout:
        return None


def set_worker_param(cmd, key: str, value: str) -> str | None:
    """set_worker_param: None or httpd's error for one key=value of a worker."""
    lower = ascii_lower(key)
    if lower == "loadfactor":
        scaled = atof(value) * 100.0
        if not (-2**31 <= scaled < 2**31) or not 100 <= int(scaled) <= 10000:
            return "LoadFactor must be a number between 1..100"
    elif lower == "retry":
        if atoi(value) < 0:
            return "Retry must be a positive value"
    elif lower == "ttl":
        if atoi(value) < 1:
            return "TTL must be at least one second"
    elif lower in _POSITIVE_COUNTS:
        if atoi(value) < 0:
            return _POSITIVE_COUNTS[lower]
    elif lower == "acquire":
        timeout = _timeout_ms(value, "ms")
        if timeout is None:
            return "Acquire timeout has wrong format"
        if timeout < 1000:
            return "Acquire must be at least one millisecond"
    elif lower == "timeout":
        if atoi(value) < 1:
            return "Timeout must be at least one second"
    elif lower == "iobuffersize":
        size = atol(value)
        if size and size < 512:
            return "IOBufferSize must be >= 512 bytes, or 0 for system default."
    elif lower == "receivebuffersize":
        size = atoi(value)
        if size < 512 and size != 0:
            return "ReceiveBufferSize must be >= 512 bytes, or 0 for system default."
    elif lower in _ON_OFF:
        if ascii_lower(value) not in ("on", "off"):
            return _ON_OFF[lower]
    elif lower == "addressttl":
        if value != "-1":
            ttl = _timeout_ms(value, "s")
            if ttl is None or ttl > (2**31 - 1) * 1_000_000 or ttl % 1_000_000:
                return ("AddressTTL must be -1 or a number of seconds not exceeding "
                        "(2147483647)")
    elif lower == "route":
        if _c_length(value) >= _ROUTE_SIZE:
            return f"Route length must be < {_ROUTE_SIZE} characters"
    elif lower == "redirect":
        if _c_length(value) >= _ROUTE_SIZE:
            return f"Redirect length must be < {_ROUTE_SIZE} characters"
    elif lower == "status":
        pos = 0
        while pos < len(value):
            if value[pos] in "+-":
                pos += 1
            if value[pos:pos + 1] not in _WORKER_STATUS or pos >= len(value):
                return "Unknown status parameter option"
            pos += 1
    elif lower == "flushpackets":
        if ascii_lower(value) not in ("on", "off", "auto"):
            return "flushpackets must be on|off|auto"
    elif lower == "flushwait":
        wait = atoi(value)
        if wait > 1000 or wait < 0:
            return ("flushwait must be <= 1000, or 0 for system default of 10 "
                    "millseconds.")
    elif lower == "ping":
        timeout = _timeout_ms(value, "s")
        if timeout is None:
            return "Ping/Pong timeout has wrong format"
        if timeout < 1000:
            return "Ping/Pong timeout must be at least one millisecond"
    elif lower == "lbset":
        number = atoi(value)
        if number < 0 or number > 99:
            return "lbset must be between 0 and 99"
    elif lower == "connectiontimeout":
        timeout = _timeout_ms(value, "s")
        if timeout is None:
            return "Connectiontimeout has wrong format"
        if timeout < 1000:
            return "Connectiontimeout must be at least one millisecond."
    elif lower == "flusher":
        if _c_length(value) >= _FLUSHER_SIZE:
            return f"flusher name length must be < {_FLUSHER_SIZE} characters"
    elif lower == "upgrade":
        if _c_length(value) >= _UPGRADE_SIZE:
            return f"upgrade protocol length must be < {_UPGRADE_SIZE} characters"
    elif lower == "secret":
        if _c_length(value) >= _SECRET_SIZE:
            return f"Secret length must be < {_SECRET_SIZE} characters"
    elif lower == "responsefieldsize":
        if atol(value) < 0:
            return ("ResponseFieldSize must be greater than 0 bytes, or 0 for system "
                    "default.")
    else:
        return "unknown Worker parameter"
    return None


def set_balancer_param(cmd, balancer: dict, key: str, value: str) -> str | None:
    """set_balancer_param: None or httpd's error for one key=value of a balancer."""
    lower = ascii_lower(key)
    if lower == "stickysession":
        return None
    if lower == "stickysessionsep":
        if len(value) != 1 and ascii_lower(value) != "off":
            return "stickysessionsep must be a single character or Off"
    elif lower in _BALANCER_ON_OFF:
        if ascii_lower(value) not in ("on", "off"):
            return _BALANCER_ON_OFF[lower]
    elif lower == "timeout":
        if atoi(value) < 1:
            return "timeout must be at least one second"
    elif lower == "maxattempts":
        if atoi(value) < 0:
            return "maximum number of attempts must be a positive number"
    elif lower == "lbmethod":
        if len(value) > _LBPNAME_SIZE - 1:
            return "unknown lbmethod"
        if cmd.httpd.lookup_provider(PROXY_LBMETHOD, value, "0") is None:
            return "unknown lbmethod"
        balancer["lbmethod"] = value
    elif lower == "failonstatus":
        for status in value.replace(",", " ").split(" "):
            if status and not 100 <= atoi(status) <= 599:
                return "failonstatus must be one or more HTTP response codes"
    elif lower == "nonce":
        if ascii_lower(value) != "none" and len(value) >= _NONCE_SIZE:
            return "Provided nonce is too large"
    elif lower == "growth":
        growth = atoi(value)
        if growth < 1 or growth > 100:
            return "growth must be between 1 and 100"
    else:
        return "unknown Balancer parameter"
    return None


def _shared_worker(conf: ProxyConfig, name: str) -> str | None:
    """ap_proxy_get_worker: an existing worker whose name starts the new one."""
    best = None
    for worker in conf.workers:
        if name.startswith(worker) and (best is None or len(worker) > len(best)):
            best = worker
    return best


def proxy_section_define(cmd, mconfig, arg: str) -> str | None:
    """proxysection: the section, then the worker or balancer parameters on its line."""
    this = cmd.cmd
    end = arg.rfind(">")
    path = rest = ""
    if end >= 0:
        path, pos = getword_conf(arg[:end])
        rest = arg[pos:end]
        if ascii_lower(path[:6]) == "proxy:":
            path = path[6:]
        if is_balancer(path) and this.name == "<Proxy":
            error = define_balancer(cmd, path)
            if error:
                return error
    error = proxy_section(cmd, mconfig, arg)
    if error is not None or not rest:
        return error
    if this.name == "<ProxyMatch":
        return "Multiple <ProxyMatch> arguments not (yet) supported."
    if fnmatch_test(path):
        return f"{this.name}> arguments are not supported for wildchar url."
    if ":" not in path:
        return f"{this.name}> arguments are not supported for non url."
    conf = _conf(cmd)
    balancer = None
    if is_balancer(path):
        error = define_balancer(cmd, path)
        if error:
            return f"{this.name} {error}"
        balancer = conf.balancers[_balancer_key(path)]
    else:
        real = de_socketfy(path)
        if real is None:
            return '<Proxy/ProxyMatch > uses an invalid "unix:" URL'
        worker, error = define_worker(path, False)
        if worker is None:
            return f"{this.name} {error}"
        if _shared_worker(conf, worker) is None:
            conf.workers.append(worker)
    return _set_params(cmd, balancer, rest, 0, _INVALID_PROXY_PARAMETER, this.name, path)


_INVALID_PROXY_PARAMETER = "Invalid Proxy parameter. Parameter must be in the form 'key=value'"
_INVALID_PROXYSET_PARAMETER = ("Invalid ProxySet parameter. Parameter must be in the form "
                               "'key=value'")


def _set_params(cmd, balancer, text: str, pos: int, invalid: str, prefix: str,
                target: str) -> str | None:
    """The key=value words from pos on, set on the balancer (or else the worker) as
    proxysection and set_proxy_param both do, each with its own wording."""
    while pos < len(text):
        word, pos = getword_conf(text, pos)
        if "=" not in word:
            return invalid
        key, value = word.split("=", 1)
        if balancer is not None:
            error = set_balancer_param(cmd, balancer, key, value)
        else:
            error = set_worker_param(cmd, key, value)
        if error:
            return f"{prefix} {error} {key}={value}; {target}"
    return None


def _parent_proxy(cmd) -> tuple[str | None, str]:
    parent = cmd.directive.parent
    if parent is None or ascii_lower(parent.directive[:6]) != "<proxy":
        return None, ""
    name, _pos = getword_conf(parent.args)
    kind = _MATCH if ascii_lower(parent.directive[6:11]) == "match" else _PREFIX
    return name.split(">", 1)[0], kind


def set_proxy_param(cmd, mconfig, arg: str) -> str | None:
    pos = 0
    name, kind = _parent_proxy(cmd)
    in_section = name is not None
    if name is None:
        name, pos = getword_conf(arg)
    conf = _conf(cmd)
    balancer = None
    if is_balancer(name):
        balancer = conf.balancers.get(_balancer_key(name)) if "://" in name else None
        if balancer is None:
            if not in_section:
                return f"ProxySet can not find '{name}' Balancer."
            error = define_balancer(cmd, name)
            if error:
                return f"ProxySet {error}"
            balancer = conf.balancers[_balancer_key(name)]
    else:
        if de_socketfy(name) is None:
            return 'ProxySet uses an invalid "unix:" URL'
        worker, error = define_worker(name, kind == _MATCH)
        if worker is None or _shared_worker(conf, worker) is None:
            if not in_section:
                return f"ProxySet can not find '{name}' Worker."
            if worker is None:
                return f"ProxySet {error}"
            conf.workers.append(worker)
    return _set_params(cmd, balancer, arg, pos, _INVALID_PROXYSET_PARAMETER, "ProxySet:", name)


def add_member(cmd, mconfig, arg: str) -> str | None:
    path = cmd.path
    name = None
    params: list[tuple[str, str]] = []
    pos = 0
    while pos < len(arg):
        word, pos = getword_conf(arg, pos)
        if "=" not in word:
            if path is None:
                path = word
            elif name is None:
                name = word
            elif cmd.path is not None:
                return "BalancerMember can not have a balancer name when defined in a location"
            else:
                return ("Invalid BalancerMember parameter. Parameter must be in the form "
                        "'key=value'")
        else:
            key, value = word.split("=", 1)
            params.append((key, value))
    if path is None:
        return "BalancerMember must define balancer name when outside <Proxy > section"
    if name is None:
        return "BalancerMember must define remote proxy server"
    if de_socketfy(name) is None:
        return 'BalancerMember uses an invalid "unix:" URL'
    conf = _conf(cmd)
    path = ascii_lower(path)
    error = define_balancer(cmd, path)
    if error:
        return f"BalancerMember {error}"
    balancer_name = _balancer_key(path)
    worker, error = define_worker(name, False)
    shared = worker is not None and (path, worker) in _member_workers(conf)
    if shared:
        server_warning(cmd, "proxy", INFO, f"AH01149: Sharing worker '{worker}' instead of "
                       f"creating new worker '{name}'")
    else:
        server_warning(cmd, "proxy", DEBUG, f"AH01147: Defining worker '{name}' for balancer "
                       f"'{balancer_name}'", source="mod_proxy.c(2674)")
        if error:
            return f"BalancerMember {error}"
        server_warning(cmd, "proxy", DEBUG, f"AH01148: Defined worker '{worker}' for balancer "
                       f"'{balancer_name}'", source="mod_proxy.c(2679)")
    _member_workers(conf).add((path, worker))
    for key, value in params:
        if shared:
            server_warning(
                cmd, "proxy", WARN,
                f"AH01150: Ignoring parameter '{key}={value}' for worker '{worker}' because "
                "of worker sharing")
            continue
        error = set_worker_param(cmd, key, value)
        if error:
            return f"BalancerMember {error}"
    return None


def _member_workers(conf: ProxyConfig) -> set:
    members = getattr(conf, "members", None)
    if members is None:
        members = conf.members = set()  # type: ignore[attr-defined]
    return members


_PASS_FLAGS = frozenset(("nocanon", "interpolate", "noquery"))


def add_pass(cmd, mconfig, arg: str) -> str | None:
    """add_pass: ProxyPass and ProxyPassMatch."""
    is_regex = cmd.cmd.name == "ProxyPassMatch"
    # httpd checks in add_pass, which the table's add_pass_noregex / add_pass_regex call:
    # the catalogue records no mask for ProxyPass and ProxyPassMatch.
    error = check_cmd_context(cmd, NOT_IN_DIRECTORY | NOT_IN_FILES)
    if error:
        return error
    fake = cmd.path
    real = None
    kind = _MATCH if is_regex else _PREFIX
    params: list[tuple[str, str]] = []
    pos = 0
    while pos < len(arg):
        word, pos = getword_conf(arg, pos)
        if fake is None:
            if word == "~":
                if is_regex:
                    return "ProxyPassMatch invalid syntax ('~' usage)."
                kind = _MATCH
                continue
            fake = word
        elif real is None:
            real = word
        elif ascii_lower(word) in _PASS_FLAGS:
            continue
        elif "=" not in word:
            if cmd.path is not None and real.startswith("/"):
                return ("ProxyPass|ProxyPassMatch can not have a path when defined in a "
                        "location.")
            return ("Invalid ProxyPass|ProxyPassMatch parameter. Parameter must be in the "
                    "form 'key=value'.")
        else:
            key, value = word.split("=", 1)
            if ascii_lower(key) == "mapping":
                if ascii_lower(value) not in ("encoded", "servlet"):
                    return "unknown mapping"
            else:
                params.append((key, value))
    if real is None:
        return "ProxyPass|ProxyPassMatch needs a path when not defined in a location"
    if de_socketfy(real) is None:
        return 'ProxyPass|ProxyPassMatch uses an invalid "unix:" URL'
    if cmd.path is not None and fnmatch_test(fake):
        kind = _MATCH
    if kind == _MATCH and pregcomp(fake) is None:
        return "Regular expression could not be compiled."
    if real == "!":
        return None
    conf = _conf(cmd)
    if is_balancer(real):
        error = define_balancer(cmd, real)
        if error:
            return f"ProxyPass {error}"
        balancer = conf.balancers[_balancer_key(real)]
        for key, value in params:
            error = set_balancer_param(cmd, balancer, key, value)
            if error:
                return f"ProxyPass {error}"
        return None
    worker, error = define_worker(real, kind == _MATCH)
    shared = _shared_worker(conf, worker) if worker is not None and kind == _PREFIX else None
    if shared is None:
        if worker is None:
            return f"ProxyPass {error}"
        conf.workers.append(worker)
    else:
        server_warning(cmd, "proxy", INFO, f"AH01145: Sharing worker '{shared}' instead of "
                       f"creating new worker '{de_socketfy(real)}'")
    for key, value in params:
        if shared is not None:
            server_warning(
                cmd, "proxy", WARN,
                f"AH01146: Ignoring parameter '{key}={value}' for worker '{shared}' because "
                "of worker sharing")
            continue
        error = set_worker_param(cmd, key, value)
        if error:
            return f"ProxyPass {error}"
    return None


def _keyword(choices: tuple[str, ...], message: str):
    """A handler that accepts one of the keywords (any case) and refuses the rest."""
    def handler(cmd, mconfig, arg: str) -> str | None:
        return None if ascii_lower(arg) in choices else message

    return handler


def _at_least(minimum: int, message: str):
    def handler(cmd, mconfig, arg: str) -> str | None:
        return message if atoi(arg) < minimum else None

    return handler


class ProxyDirConfig:
    def __init__(self, httpd: Httpd, path: str | None) -> None:
        self.error_override: bool | None = None


def set_proxy_error_override(cmd, mconfig: ProxyDirConfig, arg: str) -> str | None:
    lower = ascii_lower(arg)
    if lower in ("on", "off"):
        mconfig.error_override = lower == "on"
        return None
    if mconfig.error_override is None:
        return "ProxyErrorOverride first parameter must be one of: off | on"
    if not (arg[:1].isascii() and arg[:1].isdigit()):
        return "ProxyErrorOverride: status codes to intercept must be numeric"
    if not mconfig.error_override:
        return "ProxyErrorOverride: status codes must follow a value of 'on'"
    if not 400 <= atol(arg) <= 599:
        return ("ProxyErrorOverride: status codes to intercept must be valid HTTP Status Codes "
                ">=400 && <600")
    return None


def add_proxy(cmd, mconfig, pattern: str, remote: str, creds: str | None = None) -> str | None:
    """add_proxy: ProxyRemote and ProxyRemoteMatch (scheme://host[:port] of the proxy)."""
    regex = cmd.cmd.name == "ProxyRemoteMatch"
    colon = remote.find(":")
    if colon < 0 or remote[colon + 1:colon + 3] != "//" or len(remote) == colon + 3:
        if regex:
            return "ProxyRemoteMatch: Bad syntax for a remote proxy server"
        return "ProxyRemote: Bad syntax for a remote proxy server"
    port_colon = remote.find(":", colon + 3)
    if port_colon >= 0:
        # sscanf("%u") into an int: a sign and leading white space pass, the value wraps.
        value, end, _overflow = strtoul(remote[port_colon + 1:])
        if end == 0 or to_int32(value) > 65535:
            if regex:
                return ("ProxyRemoteMatch: Bad syntax for a remote proxy server (bad port "
                        "number)")
            return "ProxyRemote: Bad syntax for a remote proxy server (bad port number)"
    if regex and pregcomp(pattern) is None:
        return "Regular expression for ProxyRemoteMatch could not be compiled."
    return None


def add_pass_reverse(cmd, mconfig, fake: str, real: str | None = None,
                     interpolate: str | None = None) -> str | None:
    if cmd.path is None:
        if real is None or ascii_lower(real) == "interpolate":
            return "ProxyPassReverse needs a path when not defined in a location"
    elif real is not None and ascii_lower(real) != "interpolate":
        return "ProxyPassReverse can not have a path when defined in a location"
    return None


def set_source_address(cmd, mconfig, arg: str) -> str | None:
    """apr_sockaddr_info_get(arg, APR_UNSPEC): a name is looked up as httpd looks it up."""
    if not sockaddr_info_get(arg):
        return "ProxySourceAddress invalid value"
    return None


def set_proxy_domain(cmd, mconfig, arg: str) -> str | None:
    return None if arg.startswith(".") else "ProxyDomain: domain name must start with a dot."


def set_bgrowth(cmd, mconfig, arg: str) -> str | None:
    growth = atoi(arg)
    return "BalancerGrowth must be between 0 and 1000" if growth < 0 or growth > 1000 else None


def set_recv_buffer_size(cmd, mconfig, arg: str) -> str | None:
    size = atoi(arg)
    if size < 512 and size != 0:
        return "ProxyReceiveBufferSize must be >= 512 bytes, or 0 for system default."
    return None


def set_io_buffer_size(cmd, mconfig, arg: str) -> str | None:
    size = atol(arg)
    if size < 512 and size:
        return "ProxyIOBufferSize must be >= 512 bytes, or 0 for system default."
    return None


MODULE = checks_module(
    "mod_proxy",
    {"<Proxy": proxy_section_define, "<ProxyMatch": proxy_section_define,
     "ProxyPass": add_pass, "ProxyPassMatch": add_pass, "BalancerMember": add_member,
     "ProxySet": set_proxy_param, "ProxyRemote": add_proxy, "ProxyRemoteMatch": add_proxy,
     "ProxyPassReverse": add_pass_reverse, "ProxySourceAddress": set_source_address,
     "ProxyVia": _keyword(("off", "on", "block", "full"),
                          "ProxyVia must be one of: off | on | full | block"),
     "ProxyTimeout": _at_least(1, "Proxy Timeout must be at least 1 second."),
     "ProxyBadHeader": _keyword(("iserror", "ignore", "startbody"),
                                "ProxyBadHeader must be one of: IsError | Ignore | StartBody"),
     "ProxyStatus": _keyword(("off", "on", "full"), "ProxyStatus must be one of: off | on | full"),
     "ProxyErrorOverride": set_proxy_error_override, "ProxyDomain": set_proxy_domain,
     "BalancerGrowth": set_bgrowth, "ProxyReceiveBufferSize": set_recv_buffer_size,
     "ProxyIOBufferSize": set_io_buffer_size},
    create_server_config=ProxyConfig,
    create_dir_config=ProxyDirConfig,
)
