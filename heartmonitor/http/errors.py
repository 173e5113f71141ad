"""httpd's status lines and canned error pages (ap_send_error_response)."""

from __future__ import annotations

import html

REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently",
    302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    408: "Request Timeout", 411: "Length Required", 413: "Request Entity Too Large",
    414: "Request-URI Too Long", 417: "Expectation Failed",
    431: "Request Header Fields Too Large", 500: "Internal Server Error",
    501: "Not Implemented", 503: "Service Unavailable", 505: "HTTP Version Not Supported",
}

DOCTYPE = ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" '
           '"http://www.w3.org/TR/html4/strict.dtd">\n')


DEFAULT_ADMIN = "[no address given]"  # httpd.h DEFAULT_ADMIN: no ServerAdmin


def _canned(status: int, method: str, notes: str, expect: str | None, admin: str) -> str:
    method = html.escape(method, quote=True)
    if status == 400:
        return ("<p>Your browser sent a request that this server could not understand.<br />\n"
                f"{notes}</p>\n")
    if status == 403:
        return "<p>You don't have permission to access this resource.</p>\n"
    if status == 404:
        return "<p>The requested URL was not found on this server.</p>\n"
    if status == 405:
        return f"<p>The requested method {method} is not allowed for this URL.</p>\n"
    if status == 408:
        return "<p>Server timeout waiting for the HTTP request from the client.</p>\n"
    if status == 411:
        return (f"<p>A request of the requested method {method} requires a valid "
                "Content-length.<br />\n</p>\n")
    if status == 413:
        return (f"The requested resource does not allow request data with {method} requests, "
                "or the amount of data provided in\nthe request exceeds the capacity limit.\n")
    if status == 414:
        return ("<p>The requested URL's length exceeds the capacity\nlimit for this server."
                f"<br />\n{notes}</p>\n")
    if status == 417:
        if expect is None:
            text = ("<p>No expectation was seen, the Expect request-header \nfield was not "
                    "presented by the client.\n")
        else:
            text = ("<p>The expectation given in the Expect request-header\nfield could not be "
                    "met by this server.\nThe client sent<pre>\n    Expect: "
                    f"{html.escape(expect, quote=True)}\n</pre>\n")
        return f"{text}{notes}</p><p>Only the 100-continue expectation is supported.</p>\n"
    if status == 431:
        return ("<p>The server refused this request because\nthe request header fields are "
                "too large.</p>\n")
    if status == 501:
        return f"<p>{method} not supported for current URL.<br />\n</p>\n"
    if status == 503:
        return ("<p>The server is temporarily unable to service your\nrequest due to "
                "maintenance downtime or capacity\nproblems. Please try again later.</p>\n")
    return ("<p>The server encountered an internal error or\nmisconfiguration and was unable "
            "to complete\nyour request.</p>\n<p>Please contact the server administrator at \n "
            f"{html.escape(admin, quote=True)} to inform them of the time this error occurred,"
            "\n and the "
            "actions you performed just before this error.</p>\n<p>More information about this "
            "error may be available\nin the server error log.</p>\n")


def error_page(status: int, method: str = "GET", notes: str = "",
               expect: str | None = None, admin: str | None = None,
               signature: str = "") -> bytes:
    """The body httpd sends for an error status with no ErrorDocument.

    notes: the request's "error-notes" (what a 400 for a header limit adds); admin: the
    server's ServerAdmin (a 500 names it); signature: ap_psignature("<hr>\n", r).
    """
    admin = admin or DEFAULT_ADMIN
    if not notes and expect is None:
        cached = _PAGES.get((status, method, admin, signature))
        if cached is not None:
            return cached
    title = f"{status} {REASONS.get(status, 'Unknown Reason')}"
    body = (f"{DOCTYPE}<html><head>\n<title>{title}</title>\n</head><body>\n"
            f"<h1>{title[4:]}</h1>\n{_canned(status, method, notes, expect, admin)}{signature}"
            "</body></html>\n"
            ).encode("latin-1", "replace")
    if not notes and expect is None and len(_PAGES) < 256:
        _PAGES[(status, method, admin, signature)] = body
    return body


_PAGES: dict[tuple[int, str, str, str], bytes] = {}
