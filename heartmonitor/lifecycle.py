"""httpd's main(): from reading the configuration to reporting (-t, -M, -S, -L) or serving."""

from __future__ import annotations

from . import second_reading
from .directives import show_directives
from .readconfig import process_config_tree, read_config, setup_prelinked_modules
from .server import RUN_NORMAL, Httpd
from .strict import explain_failure, strict_checks
from .vhost import fini_vhost_config


def new_httpd(options, stderr=None, stdout=None) -> Httpd:
    """An httpd for the command line's options (the server keeps no other state)."""
    httpd = Httpd(
        argv0=options.bin_name,
        layout=options.layout,
        server_root=options.server_root,
        defines=options.defines,
        pre_read_config=options.pre,
        post_read_config=options.post,
        run_mode=options.run_mode,
        default_loglevel=options.loglevel,
        stderr=stderr,
        stdout=stdout,
    )
    httpd.extensions["document_root_check"] = options.document_root_check
    httpd.strict = options.strict
    return httpd


def read_and_check(httpd, confname: str) -> bool:
    """Read, pre_config, walk, fix up hosts, check_config; False once a step failed."""
    setup_prelinked_modules(httpd)
    if not read_config(httpd, confname):
        return False
    if not httpd.run_hook_all("pre_config"):
        httpd.startup("AH00013: Pre-configuration failed")
        return False
    if not process_config_tree(httpd):
        return False
    fini_vhost_config(httpd)
    if not httpd.run_hook_all("check_config"):
        httpd.startup("AH00014: Configuration check failed")
        return False
    return True


def configure(httpd, options) -> int:
    """Run the command line's mode; returns the exit code."""
    confname = options.confname or httpd.layout.server_config_file
    if httpd.run_mode == RUN_NORMAL:
        second_reading.start(httpd)
    read = read_and_check(httpd, confname)
    second_reading.stop(httpd)
    if not read:
        if httpd.strict:
            explain_failure(httpd)
        return 1
    if httpd.run_mode != RUN_NORMAL:
        if options.show_directives:
            show_directives(httpd, httpd.stdout)
            return 0
        httpd.run_hook_all("test_config")
        if httpd.strict:
            if not strict_checks(httpd):
                return 1
        if httpd.run_mode == "config-test":
            httpd.startup("Syntax OK")
        return 0
    # Lazy: serving pulls in the HTTP server and asyncio, which -t never needs.
    from .serve import serve

    return serve(httpd, options, (new_httpd, read_and_check))
