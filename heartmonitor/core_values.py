"""The value checks of core's and http_core's directives (server/core.c), with httpd's text.

heartmonitor serves no documents, so most of these settings have no effect here: each
handler checks its value, returns httpd's error or logs httpd's start-up warning, and keeps
nothing. TraceEnable (the TRACE answer, Allow headers) and RegexDefaultOptions (the regexes
compiled after it) are kept.
"""

from __future__ import annotations

import os
import sys

from . import log
from .catalogue import MODULES
from .cnum import atoi, atol, strtol, to_int32
from .config.command import (
    ACCESS_CONF,
    NOT_IN_FILES,
    NOT_IN_HTACCESS,
    NOT_IN_LOCATION,
    OR_ALL,
    Command,
)
from .config.walker import check_cmd_context
from .config.words import getword_conf
from .cstr import ascii_lower

CORE_DIRECTIVES = MODULES["core"][3]

APR_UINT32_MAX = 4294967295
APR_INT32_MAX = 2147483647
AP_MAX_LIMIT_XML_BODY = (2**64 - 1) // 6 - 1
# The status codes ErrorDocument accepts (http_protocol.c's status_lines).
RESPONSE_CODES = frozenset((
    100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303,
    304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413,
    414, 415, 416, 417, 421, 422, 423, 424, 426, 428, 429, 431, 451, 500, 501, 502, 503,
    504, 505, 506, 507, 508, 510, 511,
))


def _where(cmd) -> tuple[str, int]:
    return cmd.directive.filename, cmd.directive.line_num


def warn(cmd, message: str, level: int = log.WARNING) -> None:
    """ap_log_error(cmd->server) while reading: stderr, before the error log is open."""
    cmd.httpd.log_error("core", level, message)


def choice(message: str, *words: str):
    """A handler that accepts one of `words` (any case) and otherwise returns `message`."""
    allowed = {ascii_lower(word) for word in words}

    def handler(cmd, mconfig, arg: str) -> str | None:
        return None if ascii_lower(arg) in allowed else message

    return handler


def kept_choice(field: str, message: str, *words: str):
    """choice, the word kept (lower-cased) in the per-directory config's `field`."""
    allowed = {ascii_lower(word) for word in words}

    def handler(cmd, mconfig, arg: str) -> str | None:
        value = ascii_lower(arg)
        if value not in allowed:
            return message
        setattr(mconfig, field, value)
        return None

    return handler


def strtoff(arg: str) -> tuple[int, int, bool]:
    """apr_strtoff(base 10): (value, end index, out of range)."""
    return strtol(arg)


# -- limits -------------------------------------------------------------------------------


def set_limit_req_body(cmd, mconfig, arg: str) -> str | None:
    value, end, overflow = strtoff(arg)
    if overflow:
        return "LimitRequestBody argument is not parsable."
    if end < len(arg) or value < 0:
        return "LimitRequestBody requires a non-negative integer."
    return None


def set_limit_xml_req_body(cmd, mconfig, arg: str) -> str | None:
    value = atol(arg)
    if value < 0:
        return "LimitXMLRequestBody requires a non-negative integer."
    if value > AP_MAX_LIMIT_XML_BODY:
        return f"LimitXMLRequestBody must not exceed {AP_MAX_LIMIT_XML_BODY}"
    return None


_RANGE_ERRORS = {
    "MaxRanges": "MaxRanges requires 'none', 'default', 'unlimited' or a positive integer",
    "MaxRangeOverlaps":
        "MaxRangeOverlaps requires 'none', 'default', 'unlimited' or a positive integer",
    "MaxRangeReversals":
        "MaxRangeReversals requires 'none', 'default', 'unlimited' or a positive integer",
}


def _range_limit(name: str):
    def handler(cmd, mconfig, arg: str) -> str | None:
        if ascii_lower(arg) in ("none", "default", "unlimited"):
            return None
        if atoi(arg) <= 0:
            return _RANGE_ERRORS[name]
        return None

    return handler


# -- the MPM-common directives core declares (server/mpm_common.c) --------------------------


def set_max_requests(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(cmd.cmd.name) == "maxrequestsperchild":
        cmd.httpd.log_startup_error(
            "core", log.INFO,
            "AH00545: MaxRequestsPerChild is deprecated, use MaxConnectionsPerChild instead.")
    return None


def set_coredumpdir(cmd, mconfig, arg: str) -> str | None:
    path = cmd.httpd.server_root_relative(arg)
    if path is None:
        return f"Invalid CoreDumpDirectory path {arg}"
    if not os.path.exists(path):
        return f"CoreDumpDirectory {path} does not exist"
    if not os.path.isdir(path):
        return f"CoreDumpDirectory {path} is not a directory"
    return None


def _non_negative_long(message: str):
    """ap_mpm_set_max_mem_free / ap_mpm_set_thread_stacksize: strtol, no range error."""

    def handler(cmd, mconfig, arg: str) -> str | None:
        value, _end, overflow = strtol(arg)
        if value < 0 or overflow:
            return message + arg
        return None

    return handler


def _size_between(low: int, high: int, shown: str):
    """`shown` is APR_STRINGIFY of the C limit, as the message prints it."""

    def handler(cmd, mconfig, arg: str) -> str | None:
        value, end, overflow = strtoff(arg)
        if overflow or end < len(arg) or value < low or value > high:
            return f"parameter must be a number between {low} and {shown}: {arg}"
        return None

    return handler


def set_recursion_limit(cmd, mconfig, first: str, second: str | None) -> str | None:
    limit = atoi(first)
    if limit <= 0:
        return "The recursion limit must be greater than zero."
    if limit < 4:
        warn(cmd, "AH00119: Limiting internal redirects to very low numbers may cause normal "
                  "requests to fail.")
    if second is not None:
        limit = atoi(second)
        if limit <= 0:
            return "The recursion limit must be greater than zero."
        if limit < 4:
            warn(cmd, "AH00120: Limiting the subrequest depth to a very low level may cause "
                      "normal requests to fail.")
    return None


# -- overrides, options, ETags ---------------------------------------------------------------

_ALLOW_OPTIONS = ("indexes", "includes", "includesnoexec", "followsymlinks",
                  "symlinksifownermatch", "execcgi", "multiviews", "runscripts", "all", "none")


def set_override(cmd, mconfig, line: str) -> str | None:
    # httpd's own checks, not a mask the walker applies: <Location> and <Files> only get
    # a warning, then .htaccess is refused.
    if check_cmd_context(cmd, NOT_IN_LOCATION | NOT_IN_FILES):
        file_name, line_num = _where(cmd)
        warn(cmd, f"AH00114: Useless use of AllowOverride in line {line_num} of {file_name}.")
    error = check_cmd_context(cmd, NOT_IN_HTACCESS)
    if error:
        return error
    pos = 0
    while pos < len(line):
        word, pos = getword_conf(line, pos)
        key, equals, value = word.partition("=")
        lower = ascii_lower(word)
        if lower in ("limit", "fileinfo", "authconfig", "indexes", "none", "all"):
            continue
        if ascii_lower(key) == "options":
            if equals:
                error = set_allow_opts(cmd, value)
                if error:
                    return error
            continue
        if ascii_lower(key) == "nonfatal":
            if not equals:
                return f"=Override, =Unknown or =All expected after {word}"
            continue
        return f"Illegal override option {key if equals else word}"
    return None


def set_allow_opts(cmd, value: str) -> str | None:
    """set_allow_opts: AllowOverride Options=...; an unknown option is an error."""
    for word in (w for w in value.split(",") if w):
        if ascii_lower(word) not in _ALLOW_OPTIONS:
            return f"Illegal option {word}"
    return None


def set_override_list(cmd, mconfig, argv: list[str]) -> str | None:
    file_name, line_num = _where(cmd)
    # As AllowOverride: a warning in <Location> and <Files>, then .htaccess refused.
    if check_cmd_context(cmd, NOT_IN_LOCATION | NOT_IN_FILES):
        warn(cmd, f"AH00115: Useless use of AllowOverrideList at {file_name}:{line_num}")
    error = check_cmd_context(cmd, NOT_IN_HTACCESS)
    if error:
        return error
    for name in argv:
        if ascii_lower(name) == "none":
            if len(argv) != 1:
                return "'None' not allowed with other directives in AllowOverrideList"
            return None
        commands = cmd.httpd.commands.get(ascii_lower(name))
        if not commands:
            warn(cmd, f"AH00116: Discarding unrecognized directive `{name}' in "
                      f"AllowOverrideList at {file_name}:{line_num}")
        elif not commands[0].override & (OR_ALL | ACCESS_CONF):
            warn(cmd, f"AH02304: Discarding directive `{name}' not allowed in "
                      f"AllowOverrideList at {file_name}:{line_num}")
    return None


_ETAG_KEYWORDS = ("none", "all", "size", "lmtime", "mtime", "lastmodified", "inode", "digest")


def set_etag_bits(cmd, mconfig, args: str) -> str | None:
    pos = 0
    while pos < len(args):
        token, pos = getword_conf(args, pos)
        action = token[:1] if token[:1] in ("+", "-") else ""
        token = token[len(action):]
        lower = ascii_lower(token)
        if lower not in _ETAG_KEYWORDS:
            return f"Unknown keyword '{token}' for {cmd.cmd.name} directive"
        if action and lower in ("none", "all"):
            return f"{cmd.cmd.name} keyword '{token}' cannot be used with '+' or '-'"
    return None


def set_default_type(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) not in ("off", "none"):
        file_name, line_num = _where(cmd)
        warn(cmd, f"AH00117: Ignoring deprecated use of DefaultType in line {line_num} of "
                  f"{file_name}.")
    return None


def set_cgi_var(cmd, mconfig, var: str, rule: str) -> str | None:
    if var != "REQUEST_URI":
        return f'Unrecognized CGI variable: "{var}"'
    if ascii_lower(rule) not in ("current-uri", "original-uri"):
        return "Valid rules for REQUEST_URI are 'current-uri' and 'original-uri'"
    return None


def _is_url(text: str) -> bool:
    """ap_is_url: a scheme of letters, digits, '+', '-' or '.', then ':'."""
    colon = text.find(":")
    if colon <= 0:
        return False
    return all(ch.isascii() and (ch.isalnum() or ch in "+-.") for ch in text[:colon])


def set_error_document(cmd, mconfig, code: str, message: str) -> str | None:
    number = atoi(code)
    if number != 500 and number not in RESPONSE_CODES:
        return f"Unsupported HTTP response code {code}"
    remote = " " not in message and not message.startswith("/") and _is_url(message)
    if number == 401 and remote:
        file_name, line_num = _where(cmd)
        warn(cmd, f"AH00113: {file_name}:{line_num} cannot use a full URL in a 401 "
                  "ErrorDocument directive --- ignoring!", log.NOTICE)
        return None
    if ascii_lower(message) == "default":
        return None
    is_message = " " in message or not (message.startswith("/") or remote)
    error = parse_string_expression(cmd, '"' + message if is_message else message)
    if error:
        return f"Cannot parse expression in ErrorDocument: {error}"
    return None


def parse_string_expression(cmd, text: str) -> str | None:
    """ap_expr_parse_cmd with AP_EXPR_FLAG_STRING_RESULT: httpd's message or None.

    Only %{...}, $N and backslashes make a string expression more than its literal text,
    so the expression parser is loaded only for such values (-t start-up time).
    """
    if not ("%" in text or "$" in text or "\\" in text):
        return None
    from .expr import STRING_RESULT, parse_cmd

    return parse_cmd(cmd, text, STRING_RESULT)


# -- ErrorLogFormat ------------------------------------------------------------------------

# The tags log.c registers with ap_register_errorlog_handler (no other module adds any).
_ERRORLOG_TAGS = frozenset("aAeEFiklLmnPtTvV")
APLOG_TRACE8 = 15


def _misc_string_end(text: str, pos: int) -> int:
    """parse_errorlog_misc_string: literal text up to a '%' or a space after non-space;
    a backslash takes the next character with it."""
    at_start = True
    while pos < len(text) and text[pos] != "%" and (text[pos] != " " or at_start):
        if text[pos] == "\\":
            pos += 1 if pos + 1 == len(text) else 2
            continue
        if text[pos] != " ":
            at_start = False
        pos += 1
    return pos


def _errorlog_item(text: str, pos: int) -> tuple[str | None, int, bool, bool, int]:
    """parse_errorlog_item: (error, end, %M, '+' flag, loglevel condition)."""
    while pos < len(text) and text[pos] == "%" and text[pos + 1:pos + 2] == " ":
        pos += 2  # "% " is a field separator: the item goes on after it
    if pos >= len(text) or text[pos] != "%":
        return None, _misc_string_end(text, pos), False, False, 0
    pos += 1
    if text[pos:pos + 1] == "%":
        return None, pos + 1, False, False, 0
    required, level = False, 0
    while pos < len(text):
        ch = text[pos]
        if ch == "{":
            end = text.find("}", pos + 1)
            pos = len(text) if end < 0 else end + 1
        elif ch == "+":
            required = True
            pos += 1
        elif ch == "-":
            pos += 1
        elif ch in "0123456789":
            level = 0
            while pos < len(text) and text[pos] in "0123456789":
                level = to_int32(level * 10 + ord(text[pos]) - ord("0"))
                pos += 1
        elif ch == "M":
            return None, pos + 1, True, required, level
        elif ch in _ERRORLOG_TAGS:
            return None, pos + 1, False, required, level
        else:
            return f"Unrecognized error log format directive %{ch}", pos, False, False, 0
    return ("Ran off end of error log format parsing args to some directive", pos, False,
            False, 0)


def errorlog_format_error(text: str, main: bool) -> str | None:
    """parse_errorlog_string: None, or httpd's message for a bad format."""
    pos = 0
    seen_message = False
    while pos < len(text):
        error, pos, message, required, level = _errorlog_item(text, pos)
        if error:
            return error
        if message:
            if not main:
                return "%M cannot be used in once-per-request or once-per-connection formats"
            seen_message = True
        if main and required:
            return "The '+' flag cannot be used in the main error log format"
        if not main and level:
            return ("The loglevel cannot be used as a condition in once-per-request or "
                    "once-per-connection formats")
        if level > APLOG_TRACE8:
            return "The specified loglevel modifier is out of range"
    if main and not seen_message:
        return "main ErrorLogFormat must contain message format string '%M'"
    return None


def set_errorlog_format(cmd, mconfig, first: str, second: str | None = None) -> str | None:
    if second is None:
        return errorlog_format_error(first, True)
    if ascii_lower(first) in ("connection", "request"):
        return errorlog_format_error(second, False) if second else None
    return "ErrorLogFormat type must be one of request, connection"


# -- server-wide keywords -----------------------------------------------------------------

_SERVER_TOKENS = ("os", "min", "minimal", "major", "minor", "prod", "productonly", "full")
_TOKEN_NAMES = {"minimal": "min", "productonly": "prod"}


def set_serv_tokens(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) not in _SERVER_TOKENS:
        return ("ServerTokens takes 1 argument: 'Prod(uctOnly)', 'Major', 'Minor', "
                "'Min(imal)', 'OS', or 'Full'")
    cmd.httpd.server_tokens = _TOKEN_NAMES.get(ascii_lower(arg), ascii_lower(arg))
    return None


def set_protocols_honor_order(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) not in ("on", "off"):
        return "ProtocolsHonorOrder must be 'on' or 'off'"
    return None


_PROTOCOL_OPTIONS = {
    "allow0.9": ("http09", "allow0.9"), "require1.0": ("http09", "require1.0"),
    "strict": ("conformance", "strict"), "unsafe": ("conformance", "unsafe"),
    "registeredmethods": ("methods", "registeredmethods"),
    "lenientmethods": ("methods", "lenientmethods"),
}
_PROTOCOL_CONFLICTS = {
    "http09": "HttpProtocolOptions 'Allow0.9' and 'Require1.0' are mutually exclusive",
    "conformance": "HttpProtocolOptions 'Strict' and 'Unsafe' are mutually exclusive",
    "methods": "HttpProtocolOptions 'RegisteredMethods' and 'LenientMethods' are mutually "
               "exclusive",
}


def set_http_protocol_options(cmd, mconfig, arg: str) -> str | None:
    """ITERATE: the settings accumulate per server, so a conflict is found across words."""
    option = _PROTOCOL_OPTIONS.get(arg.lower())
    if option is None:
        return ("HttpProtocolOptions accepts 'Unsafe' or 'Strict' (default), "
                "'RegisteredMethods' or 'LenientMethods' (default), and 'Require1.0' or "
                "'Allow0.9' (default)")
    seen = cmd.httpd.extensions.setdefault("http_protocol_options", {}).setdefault(
        id(cmd.server), set())
    seen.add(option)
    for group, message in _PROTOCOL_CONFLICTS.items():
        if len({value for kind, value in seen if kind == group}) > 1:
            return message
    return None


def set_trace_enable(cmd, mconfig, arg: str) -> str | None:
    value = ascii_lower(arg)
    if value not in ("on", "off", "extended"):
        return "TraceEnable must be one of 'on', 'off', or 'extended'"
    cmd.server.trace_enable = value  # what the Allow header and a TRACE request get
    return None


def set_allow2f(cmd, mconfig, arg: str) -> str | None:
    if ascii_lower(arg) not in ("on", "off", "nodecode"):
        return f"{cmd.cmd.name} must be On, Off, or NoDecode"
    return None


# ap_regcomp_default_cflag_by_name: AP_REG_EXTENDED is 0 in 2.4, so httpd finds no flag
# for EXTENDED and refuses it as unknown.
_REGEX_DEFAULT_FLAGS = {"icase": 0x01, "dotall": 0x40, "dollar_endonly": 0x200}
_REGEX_DEFAULT = [0x40 | 0x200]  # AP_REG_DEFAULT; a static in httpd, kept across readings


def set_regex_default_options(cmd, mconfig, line: str) -> str | None:
    """RAW_ARGS: `none`, or ICASE/DOTALL/DOLLAR_ENDONLY set, or added/removed with +/-."""
    cflags = _REGEX_DEFAULT[0]
    pos = 0
    while pos < len(line):
        name, pos = getword_conf(line, pos)
        if ascii_lower(name) == "none":
            cflags = 0
            continue
        how = 0
        if name[:1] in ("+", "-"):
            how = 1 if name[0] == "+" else -1
            name = name[1:]
        cflag = _REGEX_DEFAULT_FLAGS.get(ascii_lower(name), 0)
        if not cflag:
            return f"{cmd.cmd.name}: option '{name}' unknown"
        cflags = cflags | cflag if how > 0 else cflags & ~cflag if how < 0 else cflag
    _REGEX_DEFAULT[0] = cflags
    if "heartmonitor.pcre" in sys.modules or cflags != 0x40 | 0x200:
        # Imported here only: PCRE2 (ctypes) stays unloaded for -t of most configurations.
        from . import pcre
        pcre.set_default_cflags(cflags)
    return None


_ON_OFF = "parameter must be 'on' or 'off'"

def _declared(name: str, handler) -> Command:
    """core's directive as the catalogue (httpd's table) declares it, with this handler."""
    for row_name, how, override, forbidden, help_text in CORE_DIRECTIVES:
        if row_name == name:
            return Command(name, how, override, help_text, handler, forbidden=forbidden)
    raise KeyError(name)


COMMANDS = [
    _declared("LimitRequestBody", set_limit_req_body),
    _declared("LimitXMLRequestBody", set_limit_xml_req_body),
    _declared("MaxRanges", _range_limit("MaxRanges")),
    _declared("MaxRangeOverlaps", _range_limit("MaxRangeOverlaps")),
    _declared("MaxRangeReversals", _range_limit("MaxRangeReversals")),
    _declared("ReadBufferSize", _size_between(0, APR_UINT32_MAX, "(4294967295U))")),
    _declared("FlushMaxThreshold", _size_between(0, APR_UINT32_MAX, "(4294967295U))")),
    _declared("FlushMaxPipelined", _size_between(-1, APR_INT32_MAX, "(2147483647)")),
    _declared("MaxRequestsPerChild", set_max_requests),
    _declared("MaxConnectionsPerChild", set_max_requests),
    _declared("CoreDumpDirectory", set_coredumpdir),
    _declared("MaxMemFree", _non_negative_long("Invalid MaxMemFree value: ")),
    _declared("ThreadStackSize", _non_negative_long("Invalid ThreadStackSize value: ")),
    _declared("LimitInternalRecursion", set_recursion_limit),
    _declared("AllowOverride", set_override),
    _declared("AllowOverrideList", set_override_list),
    _declared("FileETag", set_etag_bits),
    _declared("DefaultType", set_default_type),
    _declared("CGIVar", set_cgi_var),
    _declared("ErrorDocument", set_error_document),
    _declared("ErrorLogFormat", set_errorlog_format),
    _declared("ServerTokens", set_serv_tokens),
    _declared("ServerSignature", kept_choice("server_signature",
                                             "ServerSignature: use one of: off | on | email",
                                             "on", "off", "email")),
    _declared("HostnameLookups", choice("parameter must be 'on', 'off', or 'double'",
                                        "on", "off", "double")),
    _declared("UseCanonicalName", kept_choice("use_canonical_name",
                                              "parameter must be 'on', 'off', or 'dns'",
                                              "on", "off", "dns")),
    _declared("UseCanonicalPhysicalPort", kept_choice("use_canonical_phys_port", _ON_OFF,
                                                      "on", "off")),
    _declared("AcceptPathInfo", choice("AcceptPathInfo must be set to on, off or default",
                                       "on", "off", "default")),
    _declared("EnableMMAP", choice(_ON_OFF, "on", "off")),
    _declared("EnableSendfile", choice(_ON_OFF, "on", "off")),
    _declared("AllowEncodedSlashes", set_allow2f),
    _declared("TraceEnable", set_trace_enable),
    _declared("ProtocolsHonorOrder", set_protocols_honor_order),
    _declared("HttpProtocolOptions", set_http_protocol_options),
    _declared("RegexDefaultOptions", set_regex_default_options),
]
