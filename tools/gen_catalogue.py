#!/usr/bin/env python3
"""Generate heartmonitor/catalogue.py: every directive of every stock httpd 2.4 module.

Usage:  python tools/gen_catalogue.py HTTPD_2_4_SOURCE [APACHE2_BINARY] [--fallback TRUNK_SOURCE]
            > heartmonitor/catalogue.py
        python tools/gen_catalogue.py --error-strings HTTPD_2_4_SOURCE > tools/error-strings.md

HTTPD_SOURCE_DIR is a checkout of httpd's 2.4.x branch (git clone -b 2.4.x
https://github.com/apache/httpd). The script reads the C sources as text: for each module
declaration (AP_DECLARE_MODULE / `module AP_MODULE_DECLARE_DATA x_module`) it finds the
command table the module names, expands the macros that tables use (LISTEN_COMMANDS,
SSL_CMD_*, ...), and records for each AP_INIT_* entry its name, argument style
(TAKE1 ...), req_override, help text, and the ap_check_cmd_context() mask its handler
applies. Given an apache2 binary (Debian's), it also runs `apache2 -L` with every module of
that build loaded and makes names, order, help and context agree with it, since a release
build can be newer than the source branch. tests/test_catalogue.py checks the result
against `apache2 -L`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings

HOW = {
    "RAW_ARGS": 0, "TAKE1": 1, "TAKE2": 2, "ITERATE": 3, "ITERATE2": 4, "FLAG": 5,
    "NO_ARGS": 6, "TAKE12": 7, "TAKE3": 8, "TAKE23": 9, "TAKE123": 10, "TAKE13": 11,
    "TAKE_ARGV": 12,
}
CONSTANTS = {
    "OR_NONE": 0, "OR_LIMIT": 1, "OR_OPTIONS": 2, "OR_FILEINFO": 4, "OR_AUTHCFG": 8,
    "OR_INDEXES": 16, "OR_UNSET": 32, "ACCESS_CONF": 64, "RSRC_CONF": 128,
    "EXEC_ON_READ": 256, "NONFATAL_OVERRIDE": 512, "NONFATAL_UNKNOWN": 1024,
    "NONFATAL_ALL": 1536, "PROXY_CONF": 2048, "OR_ALL": 31,
    "NOT_IN_VIRTUALHOST": 0x01, "NOT_IN_LIMIT": 0x02, "NOT_IN_DIRECTORY": 0x04,
    "NOT_IN_LOCATION": 0x08, "NOT_IN_FILES": 0x10, "NOT_IN_HTACCESS": 0x20,
    "NOT_IN_PROXY": 0x40, "NOT_IN_DIR_LOC_FILE": 0x1C, "NOT_IN_DIR_CONTEXT": 0x5E,
    "GLOBAL_ONLY": 0x5F,
}
# Preprocessor symbols taken as defined on a Linux build (conditionals inside tables).
DEFINED = {
    "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_VMEM", "RLIMIT_AS", "RLIMIT_NPROC",
    "APR_HAS_SHARED_MEMORY", "APR_HAS_THREADS", "HAVE_TIMES", "AP_HAVE_DESIGNATED_INITIALIZER",
    "HAVE_SSL_CONF_CMD", "HAVE_TLSEXT", "HAVE_OCSP_STAPLING", "HAVE_TLS_SESSION_TICKETS",
    "HAVE_SRP", "HAVE_CT", "HAVE_FIPS", "HAVE_SSL_CACHE", "APR_HAS_SENDFILE",
    "APR_HAS_MMAP", "HAVE_PCRE2", "HAVE_OPENSSL_ENGINE",
    "MOD_SSL_HAVE_OPENSSL_ENGINE", "APR_HAVE_IPV6", "AP_HAS_THREAD_LOCAL",
    "APR_HAS_LDAP", "APR_HAS_MICROSOFT_LDAPSDK",
}
NOT_DEFINED = {
    "__cplusplus", "WIN32", "NETWARE", "OS2", "GPROF", "_OSD_POSIX", "APR_CHARSET_EBCDIC",
    "DEBUG", "AUTHZ_EXTRA_CONFIGS", "AP_ENABLE_EXCEPTION_HOOK",
}

STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def read(path: str) -> str:
    with open(path, encoding="latin-1") as handle:
        return handle.read()


def strip_comments(text: str) -> str:
    """Drop C comments while keeping string literals and line structure."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif ch == "'" :
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def join_continuations(text: str) -> str:
    return re.sub(r"\\\n", " ", text)


NUMBERS = {"APU_MAJOR_VERSION": 1, "APU_MINOR_VERSION": 6, "APR_MAJOR_VERSION": 1,
           "APR_MINOR_VERSION": 7, "MODULE_MAGIC_NUMBER_MAJOR": 20120211}


def evaluate_condition(expr: str) -> bool:
    """Judge an #if expression for a Linux build; unknown symbols count as true."""

    def defined(match: re.Match) -> str:
        return "0" if match.group(1) in NOT_DEFINED else "1"

    expr = re.sub(r"defined\s*\(?\s*(\w+)\s*\)?", defined, expr)
    def value(match: re.Match) -> str:
        name = match.group(0)
        return str(NUMBERS.get(name, 0 if name in NOT_DEFINED else 1))

    expr = re.sub(r"\b[A-Za-z_]\w*\b", value, expr)
    expr = expr.replace("&&", " and ").replace("||", " or ")
    expr = re.sub(r"!(?!=)", " not ", expr)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bool(eval(expr, {"__builtins__": {}}))  # noqa: S307 - digits and operators
    except Exception:
        return True


def apply_conditionals(text: str) -> str:
    """Keep the branch a Linux build compiles for the #if blocks we can judge."""
    out = []
    stack = []  # (keeping, taken)
    keeping = True
    for line in text.split("\n"):
        stripped = line.strip()
        m = re.match(r"#\s*(ifdef|ifndef|if|elif|else|endif)\b(.*)", stripped)
        if m:
            kind, rest = m.group(1), m.group(2)
            if kind in ("ifdef", "ifndef", "if"):
                if kind == "ifdef":
                    cond = rest.strip() not in NOT_DEFINED
                elif kind == "ifndef":
                    cond = rest.strip() not in DEFINED
                else:
                    cond = evaluate_condition(rest)
                stack.append((keeping, cond))
                keeping = keeping and cond
            elif kind == "elif":
                outer, taken = stack[-1]
                cond = not taken and evaluate_condition(rest)
                stack[-1] = (outer, taken or cond)
                keeping = outer and cond
            elif kind == "else":
                outer, taken = stack[-1]
                keeping = outer and not taken
                stack[-1] = (outer, True)
            elif kind == "endif" and stack:
                keeping = stack.pop()[0]
            out.append("")
            continue
        out.append(line if keeping else "")
    return "\n".join(out)


class Macros:
    """Object-like and function-like #defines collected from sources and headers."""

    def __init__(self) -> None:
        self.objects: dict[str, str] = {}
        self.functions: dict[str, tuple[list[str], str]] = {}

    def collect(self, text: str) -> None:
        pattern = r"^[ \t]*#[ \t]*define[ \t]+(\w+)(\(([^)]*)\))?[ \t]*(.*)$"
        for m in re.finditer(pattern, text, re.M):
            name, params, body = m.group(1), m.group(3), m.group(4).strip()
            if m.group(2):
                self.functions[name] = ([p.strip() for p in params.split(",") if p.strip()], body)
            else:
                self.objects.setdefault(name, body)

    def expand(self, text: str, depth: int = 0) -> str:
        if depth > 8:
            return text
        changed = False

        def replace_function(match: re.Match) -> str:
            nonlocal changed
            name = match.group(1)
            params, body = self.functions[name]
            args = split_args(match.group(2))
            result = body
            for param, arg in zip(params, args, strict=False):
                result = re.sub(r"(\w+)\s*##\s*" + param + r"\b",
                                lambda m, a=arg: m.group(1) + a, result)
                result = re.sub(r"\b" + param + r"\s*##\s*(\w+)",
                                lambda m, a=arg: a + m.group(1), result)
                result = re.sub(r"#\s*" + param + r"\b", lambda m, a=arg: '"' + a + '"', result)
                result = re.sub(r"\b" + param + r"\b", lambda m, a=arg: a, result)
            changed = True
            return result

        names = [n for n in self.functions if n in text and not n.startswith("AP_INIT_")]
        for name in names:
            pattern = re.compile(r"\b(" + re.escape(name) + r")\s*\(((?:[^()]|\([^()]*\))*)\)")
            text = pattern.sub(replace_function, text)
        for name, body in self.objects.items():
            if name.isupper() and re.search(r"\b" + re.escape(name) + r"\b", text):
                if "AP_INIT_" in body or name.endswith("_COMMANDS") or name.endswith("_COMMAND"):
                    text = re.sub(r"\b" + re.escape(name) + r"\b", lambda m, b=body: b, text)
                    changed = True
        return self.expand(text, depth + 1) if changed else text


def split_args(text: str) -> list[str]:
    args, depth, current, i = [], 0, [], 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            current.append(text[i : j + 1])
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    args.append("".join(current).strip())
    return args


def c_string(expr: str, macros: Macros) -> str | None:
    expr = expr.strip()
    if expr in ("NULL", "0"):
        return None
    for _ in range(4):
        expr = re.sub(
            r'"(?:[^"\\]|\\.)*"|\b([A-Z_][A-Z0-9_]*)\b',
            lambda m: macros.objects.get(m.group(1), m.group(1)) if m.group(1) else m.group(0),
            expr,
        )
    parts = STRING.findall(expr)
    if not parts:
        return None
    text = "".join(parts)
    return bytes(text, "latin-1").decode("unicode_escape")


def int_expr(expr: str, macros: Macros) -> int:
    value = 0
    expr = expr.replace("(", " ").replace(")", " ")
    for token in re.split(r"[|\s]+", expr):
        if not token:
            continue
        if token in CONSTANTS:
            value |= CONSTANTS[token]
        elif token in macros.objects:
            value |= int_expr(macros.objects[token], macros)
        elif token.isdigit():
            value |= int(token)
        elif token.startswith("~"):
            raise ValueError(expr)
        else:
            raise ValueError(f"unknown constant {token!r} in {expr!r}")
    return value


def find_table(text: str, name: str) -> str | None:
    m = re.search(r"command_rec\s+" + re.escape(name) + r"\s*\[\s*\]\s*=\s*\{", text)
    if not m:
        return None
    depth = 1
    i = m.end()
    while depth and i < len(text):
        ch = text[i]
        if ch == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        i += 1
    return text[m.end() : i - 1]


def handler_mask(sources: list[str], function: str, macros: Macros) -> int:
    """The ap_check_cmd_context() mask a handler applies, 0 when it applies none."""
    for text in sources:
        m = re.search(
            r"\n[^\n;{}]*\b" + re.escape(function) + r"\s*\([^;{]*\)\s*\{", text
        )
        if not m:
            continue
        depth = 1
        i = m.end()
        while depth and i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
            i += 1
        body = text[m.end() : i]
        call = re.search(r"ap_check_cmd_context\s*\(\s*\w+\s*,\s*([A-Z_][A-Z_ |\t]*)\)", body)
        before = body[: call.start()] if call else ""
        if call and (re.search(r"\bif\s*\((?!\s*\(?\s*err)", before) or "return" in before):
            return 0  # applied only on some paths: leave the directive unchecked
        if call:
            try:
                return int_expr(call.group(1), macros)
            except ValueError:
                return 0
        return 0
    return 0


def parse_entries(table: str, macros: Macros, sources: list[str]) -> list[tuple]:
    table = macros.expand(table)
    entries = []
    for m in re.finditer(r"AP_INIT_(\w+)\s*\(", table):
        how = m.group(1)
        depth = 1
        i = m.end()
        while depth and i < len(table):
            ch = table[i]
            if ch == '"':
                j = i + 1
                while table[j] != '"':
                    j += 2 if table[j] == "\\" else 1
                i = j
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            i += 1
        args = split_args(table[m.end() : i - 1])
        if len(args) < 5 or how not in HOW:
            continue
        name = c_string(args[0], macros)
        if name is None:
            continue
        function = re.sub(r"^\(\s*\w+\s*\**\s*\)", "", args[1].strip()).strip()
        override = int_expr(args[3], macros)
        help_text = c_string(",".join(args[4:]), macros)
        mask = handler_mask(sources, function, macros) if re.match(r"^\w+$", function) else 0
        entries.append((name, HOW[how], override, mask, help_text))
    return entries


MODULE_DECL = re.compile(
    r"(?:AP_DECLARE_MODULE\s*\(\s*(\w+)\s*\)|\bmodule\s+(?:[A-Z_]+\s+)?(\w+)_module)"
    r"\s*=\s*\{(.*?)\}\s*;",
    re.S,
)


def module_fields(body: str) -> tuple[bool, str | None]:
    fields = [f.strip() for f in split_args(body)]
    mpm = fields and fields[0].startswith("MPM20_MODULE_STUFF")
    fields = fields[1:]
    if mpm:
        fields = fields[1:]  # rewrite_args hook
    create_dir = fields[0] if fields else "NULL"
    cmds = fields[4] if len(fields) > 4 else "NULL"
    cmds = re.sub(r"^\(\s*[\w\s]*\*\s*\)", "", cmds).strip()
    return create_dir not in ("NULL", "0"), (None if cmds in ("NULL", "0") else cmds)


def so_name(identifier: str) -> str:
    if identifier == "core":
        return "core"
    if identifier == "http":
        return "http_core"
    return "mod_" + identifier


def generate(root: str) -> str:
    files = []
    for top in ("server", "modules", "os/unix"):
        for dirpath, _dirs, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if name.endswith((".c", ".h")):
                    files.append(os.path.join(dirpath, name))
    include = os.path.join(root, "include")
    files += [os.path.join(include, n) for n in sorted(os.listdir(include)) if n.endswith(".h")]
    texts = {}
    macros = Macros()
    for path in files:
        text = apply_conditionals(join_continuations(strip_comments(read(path))))
        texts[path] = text
        macros.collect(text)
    c_files = [p for p in files if p.endswith(".c")]
    result = {}
    providers: dict[str, list] = {}
    for path in c_files:
        text = texts[path]
        for m in MODULE_DECL.finditer(text):
            identifier = m.group(1) or m.group(2)
            has_dir, cmds = module_fields(m.group(3))
            entries = ()
            if cmds:
                directory = os.path.dirname(path)
                same_dir = [p for p in c_files if os.path.dirname(p) == directory]
                candidates = [path] + [p for p in same_dir if p != path] + c_files
                for other in candidates:
                    table = find_table(texts[other], cmds)
                    if table is not None:
                        sources = [texts[other], texts[path]] + [texts[p] for p in same_dir]
                        entries = tuple(parse_entries(table, macros, sources))
                        break
                else:
                    raise SystemExit(f"{path}: table {cmds} not found")
            result.setdefault(
                so_name(identifier),
                (identifier + "_module", os.path.basename(path), has_dir, entries),
            )
            found = module_providers(text, macros)
            if found:
                providers.setdefault(so_name(identifier), found)
    return result, providers


PROVIDER_CALL = re.compile(
    r"ap_register_(?:auth_)?provider\s*\(\s*[\w>-]+\s*,\s*([^,]+?)\s*,\s*\"([^\"]+)\"\s*,"
    r"\s*([^,]+?)\s*,"
)


def module_providers(text: str, macros: Macros) -> list[tuple[str, str, str]]:
    """The providers a module registers under a literal name (group, name, version)."""
    found = []
    for m in PROVIDER_CALL.finditer(text):
        group = c_string(m.group(1), macros)
        version = c_string(m.group(3), macros)
        if group and version and (group, m.group(2), version) not in found:
            found.append((group, m.group(2), version))
    return found


ALLOWED_HTACCESS = (
    ("AuthConfig", 8), ("Limit", 1), ("Options", 2), ("FileInfo", 4), ("Indexes", 16),
)


def show_overrides(override: int, has_dir: bool) -> str:
    """The 'Allowed in' text of httpd -L (show_overrides in server/config.c)."""
    text = "\tAllowed in *.conf "
    if (override & (2 | 4 | 16)) or ((override & 128) and (override & (64 | 8 | 1))):
        text += "anywhere"
    elif override & 128:
        text += "only outside <Directory>, <Files>, <Location>, or <If>"
    else:
        text += "only inside <Directory>, <Files>, <Location>, or <If>"
    if (override & (31 | 64)) and not has_dir:
        text += " [no per-dir config]"
    if override & 31:
        text += " and in .htaccess\n\twhen AllowOverride"
        if (override & 31) == 31:
            text += " isn't None"
        else:
            text += " includes " + " or ".join(n for n, bit in ALLOWED_HTACCESS if override & bit)
    return text + "\n"


def override_from_text(allowed: str) -> int:
    """A req_override that -L would describe with this text."""
    bits = 0
    if "isn't None" in allowed:
        bits = 31
    else:
        for name, bit in ALLOWED_HTACCESS:
            if "includes" in allowed and name in allowed.split("includes", 1)[1]:
                bits |= bit
    if "anywhere" in allowed:
        return bits | (0 if bits & (2 | 4 | 16) else 128 | 64)
    if "only outside" in allowed:
        return 128 | bits
    return 64 | bits


def parse_dash_L(text: str) -> dict[str, list[tuple[str, str | None, str]]]:
    """httpd -L output: {source file: [(directive, help, allowed text)]} in order.

    A help text may span lines; the 'Allowed in' line (and its 'when AllowOverride'
    continuation) closes each entry.
    """
    modules: dict[str, list] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"(.*) \(([^()]*\.c)\)$", lines[i])
        if not m:
            i += 1
            continue
        name, source = m.groups()
        i += 1
        help_lines = []
        while i < len(lines) and not lines[i].startswith("\tAllowed in *.conf "):
            help_lines.append(lines[i])
            i += 1
        allowed = lines[i] + "\n"
        i += 1
        if i < len(lines) and lines[i].startswith("\twhen AllowOverride"):
            allowed += lines[i] + "\n"
            i += 1
        help_text = "\n".join(help_lines)[1:] if help_lines else None
        modules.setdefault(source, []).append((name, help_text, allowed))
    return modules


def merge_dash_L(modules: dict, listing: dict, fallback: dict | None = None) -> None:
    """Make the catalogue agree with a real build's -L: its directives, help and context.

    The source gives each directive's argument style and handler context mask, the
    fallback source (trunk) for a directive the branch does not have yet; one neither
    has takes RAW_ARGS, which accepts any arguments.
    """
    by_source = {entry[1]: key for key, entry in modules.items()}
    for source, directives in listing.items():
        key = by_source.get(source)
        if key is None:
            continue
        identifier, _source, has_dir, entries = modules[key]
        known = {}
        if fallback and key in fallback:
            known.update({entry[0]: entry for entry in fallback[key][3]})
        known.update({entry[0]: entry for entry in entries})
        merged = []
        for name, help_text, allowed in directives:
            entry = known.get(name)
            how, override, mask = (entry[1], entry[2], entry[3]) if entry else (0, None, 0)
            if override is None or show_overrides(override, has_dir) != allowed:
                override = override_from_text(allowed)
            merged.append((name, how, override, mask, help_text))
        modules[key] = (identifier, source, has_dir, tuple(merged))


def dash_L_of_debian(apache2: str) -> dict:
    """Run a real apache2 -L with every module of the build loaded, once per MPM."""
    import tempfile

    moddir = "/usr/lib/apache2/modules"
    names = sorted(n[:-3] for n in os.listdir(moddir) if n.endswith(".so"))
    listing: dict = {}
    for mpm, drop in (("mod_mpm_event", "mod_cgi"), ("mod_mpm_prefork", "mod_cgid"),
                      ("mod_mpm_worker", "mod_cgi")):
        load = [n for n in names if (not n.startswith("mod_mpm_") or n == mpm) and n != drop]
        with tempfile.TemporaryDirectory() as root:
            conf = os.path.join(root, "all.conf")
            with open(conf, "w") as handle:
                handle.write(f"ServerRoot {root}\nPidFile {root}/pid\nErrorLog {root}/err\n")
                handle.write("ServerName x\n")
                for name in load:
                    handle.write(f"LoadModule {name[4:]}_module {moddir}/{name}.so\n")
            out = subprocess.run([apache2, "-f", conf, "-L"], capture_output=True, text=True)
        for source, directives in parse_dash_L(out.stdout).items():
            listing.setdefault(source, directives)
    return listing


def render(root: str, modules: dict, providers: dict, apache2: str | None) -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = os.environ.get("HTTPD_COMMIT", "an unknown commit")
    lines = [
        '"""Every directive of every stock httpd 2.4 module: name, arguments, context, help.',
        "",
        f"Generated by tools/gen_catalogue.py from httpd 2.4.x at {commit}",
        f"(trunk at {os.environ.get('TRUNK_COMMIT', 'an unknown commit')} for directives the "
        "branch lacks)" if "--fallback" in sys.argv else "",
        f"and the -L listing of {version(apache2)}. Do not edit." if apache2 else "Do not edit.",
        "MODULES maps a module's file name (mod_rewrite for mod_rewrite.so) to",
        "(identifier, source file, has per-directory config, directives), each directive",
        "(name, cmd_how, req_override, ap_check_cmd_context mask, help text).",
        "PROVIDERS maps a module's file name to the providers it registers",
        "(group, name, version), e.g. ('authz', 'ip', '0') for mod_authz_host.",
        '"""',
        "",
        "# ruff: noqa: E501",
        "MODULES = {",
    ]
    for key in sorted(modules):
        identifier, source, has_dir, entries = modules[key]
        lines.append(f"    {key!r}: ({identifier!r}, {source!r}, {has_dir!r}, (")
        for entry in entries:
            lines.append(f"        {entry!r},")
        lines.append("    )),")
    lines.append("}")
    lines.append("PROVIDERS = {")
    for key in sorted(providers):
        lines.append(f"    {key!r}: {tuple(providers[key])!r},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def version(apache2: str) -> str:
    out = subprocess.run([apache2, "-v"], capture_output=True, text=True).stdout
    return out.split("\n")[0].replace("Server version: ", "") or apache2


# -- error strings: what each directive handler can answer, and how many heartmonitor says --

FUNCTION_START = r"\n[^\n;{{}}]*\b{name}\s*\([^;{{]*\)\s*\{{"
RETURN_LITERAL = re.compile(r'\breturn\s+((?:"(?:[^"\\]|\\.)*"\s*)+);')
FORMAT_CALL = re.compile(r"\b(?:apr_pstrcat|apr_psprintf)\s*\(")
LOG_CALL = re.compile(r"APLOGNO\s*\(\s*(\d+)\s*\)\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+)")
CALLEE = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")
SPECIFIER = re.compile(r"%[-+ #0-9.]*(?:l|ll|h|z)?[a-zA-Z]")


def function_body(texts: list[str], name: str) -> str | None:
    """The body of the C function `name` in the first text that defines it."""
    pattern = re.compile(FUNCTION_START.format(name=re.escape(name)))
    for text in texts:
        m = pattern.search(text)
        if not m:
            continue
        depth, i = 1, m.end()
        while depth and i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
            i += 1
        return text[m.end():i]
    return None


def _literals(text: str) -> str:
    return "".join(bytes(part, "latin-1").decode("unicode_escape")
                   for part in re.findall(r'"((?:[^"\\]|\\.)*)"', text))


def _call_arguments(text: str, start: int) -> str:
    depth, i = 1, start
    while depth and i < len(text):
        if text[i] == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        i += 1
    return text[start:i - 1]


def messages_of(body: str) -> list[str]:
    """The texts a handler returns or logs; non-literal parts become %s."""
    found = [_literals(m.group(1)) for m in RETURN_LITERAL.finditer(body)]
    for m in FORMAT_CALL.finditer(body):
        before = body[max(0, m.start() - 40):m.start()]
        if "return" not in before and "err" not in before and "msg" not in before:
            continue
        args = split_args(_call_arguments(body, m.end()))[1:]
        parts = []
        for arg in args:
            arg = arg.strip()
            if arg == "NULL":
                break
            parts.append(_literals(arg) if arg.startswith('"') else "%s")
        text = "".join(parts)
        if text.strip("%s "):
            found.append(text)
    for m in LOG_CALL.finditer(body):
        found.append(f"AH{int(m.group(1)):05d}: {_literals(m.group(2))}")
    return [text for text in found if text.strip() and text not in ("-", "%s")]


def handler_messages(texts: list[str], function: str, depth: int = 2) -> list[str]:
    """The messages of a handler and of the file's helper functions it calls."""
    seen: set[str] = set()
    result: list[str] = []
    pending = [(function, 0)]
    while pending:
        name, level = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        body = function_body(texts, name)
        if body is None:
            continue
        for text in messages_of(body):
            if text not in result:
                result.append(text)
        if level < depth:
            pending.extend((callee, level + 1) for callee in CALLEE.findall(body)
                           if not callee.startswith(("ap_", "apr_", "str", "mem")))
    return result


def key_fragment(message: str) -> str:
    """The longest literal piece of a message: what a port must contain to say it."""
    if message.startswith("AH") and message[2:7].isdigit():
        return message[:7]
    pieces = [piece.strip(" :'\"") for piece in SPECIFIER.split(message)]
    return max(pieces, key=len)


def error_strings(root: str) -> dict[str, list[tuple[str, list[str]]]]:
    """{module file name: [(directive, [message, ...]), ...]} from httpd's sources."""
    files = []
    for top in ("server", "modules", "os/unix"):
        for dirpath, _dirs, names in os.walk(os.path.join(root, top)):
            files += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith(".c")]
    texts = {path: apply_conditionals(join_continuations(strip_comments(read(path))))
             for path in files}
    macros = Macros()
    for text in texts.values():
        macros.collect(text)
    result: dict[str, list[tuple[str, list[str]]]] = {}
    for path in files:
        for m in MODULE_DECL.finditer(texts[path]):
            identifier = m.group(1) or m.group(2)
            _has_dir, cmds = module_fields(m.group(3))
            if not cmds:
                continue
            directory = os.path.dirname(path)
            same_dir = [p for p in files if os.path.dirname(p) == directory]
            for other in [path] + same_dir:
                table = find_table(texts[other], cmds)
                if table is not None:
                    break
            else:
                continue
            sources = [texts[other], texts[path]] + [texts[p] for p in same_dir]
            entries = []
            expanded = macros.expand(table)
            for entry in re.finditer(
                    r"AP_INIT_\w+\s*\(\s*((?:\"[^\"]+\"\s*)+),\s*([\w()* ]+?)\s*,", expanded):
                function = re.sub(r"^\(\s*\w+\s*\**\s*\)", "", entry.group(2)).strip()
                messages = handler_messages(sources, function) if function.isidentifier() else []
                entries.append((_literals(entry.group(1)), messages))
            result.setdefault(so_name(identifier), entries)
    return result


def said_as_fstring(message: str, ported: str) -> bool:
    """A message with no literal piece long enough to search for (`%s %s %s=%s; %s`):
    said when an f-string of the same shape, one {field} for each %s, appears."""
    pieces = SPECIFIER.split(message)
    if len(pieces) < 3:
        return False
    shape = r"\{[^{}\n]+\}".join(re.escape(piece) for piece in pieces)
    return re.search(r'f"' + shape + '"', ported) is not None


def ported_text(checkout: str) -> str:
    """heartmonitor's own sources, where a reproduced message must appear."""
    chunks = []
    for top in ("heartmonitor", "modules"):
        for dirpath, _dirs, names in os.walk(os.path.join(checkout, top)):
            for name in sorted(names):
                if name.endswith(".py") and name not in ("catalogue.py",):
                    chunks.append(read(os.path.join(dirpath, name)))
    # Python joins adjacent literals: a message split over lines is one text.
    return re.sub(r"[\"']\s*\n\s*f?[\"']", "", "\n".join(chunks))


def coverage_report(root: str, checkout: str) -> str:
    """Markdown: per module, then per directive, each error string and whether it is said."""
    strings = error_strings(root)
    ported = ported_text(checkout)
    summary = ["| Module | Error strings in httpd's handlers | Reproduced |", "|---|---|---|"]
    details = []
    total = done = 0
    for module in sorted(strings):
        reached: dict[str, list[str]] = {}
        for directive, messages in strings[module]:
            for message in messages:
                reached.setdefault(message, []).append(directive)
        if not reached:
            continue
        rows = []
        hits = 0
        for message, directives in reached.items():
            fragment = key_fragment(message)
            if len(fragment) >= 4:
                hit = fragment in ported
            else:
                hit = said_as_fstring(message, ported)
            hits += hit
            rows.append(f"- [{'x' if hit else ' '}] `{message}` ({', '.join(directives)})")
        total += len(reached)
        done += hits
        summary.append(f"| {module} | {len(reached)} | {hits} |")
        details += [f"### {module} ({hits}/{len(reached)})", "", *rows, ""]
    summary.append(f"| all modules | {total} | {done} |")
    head = [
        "# Error strings of httpd's directive handlers, and which heartmonitor reproduces",
        "",
        "Generated by `python tools/gen_catalogue.py --error-strings HTTPD_2_4_SOURCE` from",
        "httpd's sources: the texts each directive handler (and the helpers it calls) returns",
        "or logs with an AH number. A text counts as reproduced when its longest literal piece",
        "(or its AH number) appears in heartmonitor's sources; tests/conformance holds the",
        "cases that compare it with apache2 -t.",
        "",
    ]
    return "\n".join(head + summary + [""] + details)


def main(argv: list[str]) -> None:
    if len(argv) == 3 and argv[1] == "--error-strings":
        checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        sys.stdout.write(coverage_report(argv[2], checkout))
        return
    fallback = None
    if "--fallback" in argv:
        at = argv.index("--fallback")
        fallback = generate(argv[at + 1])[0]
        argv = argv[:at] + argv[at + 2 :]
    if len(argv) not in (2, 3):
        raise SystemExit(__doc__)
    modules, providers = generate(argv[1])
    apache2 = argv[2] if len(argv) == 3 else None
    if apache2:
        merge_dash_L(modules, dash_L_of_debian(apache2), fallback)
    sys.stdout.write(render(argv[1], modules, providers, apache2))


if __name__ == "__main__":
    main(sys.argv)
