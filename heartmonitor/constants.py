"""httpd's shared numbers, declared once: hook results, method numbers, where a directive
may appear (override masks) and where its handler refuses to run (context masks).

Values follow include/httpd.h and include/http_config.h so that code reads like httpd's.
"""

from __future__ import annotations

# Hook and handler results (httpd.h).
OK = 0
DECLINED = -1
DONE = -2
HTTP_FORBIDDEN = 403
HTTP_INTERNAL_SERVER_ERROR = 500

# Method numbers (httpd.h): the index in METHODS; HEAD shares M_GET.
METHODS = (
    "GET", "PUT", "POST", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PROPFIND",
    "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "VERSION-CONTROL", "CHECKOUT",
    "UNCHECKOUT", "CHECKIN", "UPDATE", "LABEL", "REPORT", "MKWORKSPACE", "MKACTIVITY",
    "BASELINE-CONTROL", "MERGE",
)
M_GET, M_PUT, M_POST, M_DELETE, M_CONNECT, M_OPTIONS, M_TRACE = range(7)
M_INVALID = len(METHODS)
METHOD_NUMBER_LAST = 63
ALL_METHODS = (1 << 64) - 1

# req_override (http_config.h): where a directive may appear.
OR_NONE = 0
OR_LIMIT = 1
OR_OPTIONS = 2
OR_FILEINFO = 4
OR_AUTHCFG = 8
OR_INDEXES = 16
OR_UNSET = 32
ACCESS_CONF = 64
RSRC_CONF = 128
EXEC_ON_READ = 256
NONFATAL_OVERRIDE = 512
NONFATAL_UNKNOWN = 1024
PROXY_CONF = 2048
OR_ALL = OR_LIMIT | OR_OPTIONS | OR_FILEINFO | OR_AUTHCFG | OR_INDEXES

# The override in effect at the top level of a configuration file.
TOP_LEVEL_OVERRIDE = (RSRC_CONF | OR_ALL) & ~(OR_AUTHCFG | OR_LIMIT)

# ap_check_cmd_context() (http_config.h): where a handler refuses to run.
NOT_IN_VIRTUALHOST = 0x01
NOT_IN_LIMIT = 0x02
NOT_IN_DIRECTORY = 0x04
NOT_IN_LOCATION = 0x08
NOT_IN_FILES = 0x10
NOT_IN_HTACCESS = 0x20
NOT_IN_PROXY = 0x40
NOT_IN_DIR_LOC_FILE = NOT_IN_DIRECTORY | NOT_IN_LOCATION | NOT_IN_FILES
NOT_IN_DIR_CONTEXT = NOT_IN_LIMIT | NOT_IN_DIR_LOC_FILE | NOT_IN_PROXY
GLOBAL_ONLY = NOT_IN_VIRTUALHOST | NOT_IN_DIR_CONTEXT

# Include nesting beyond this is a configuration error (AP_MAX_INCLUDE_DEPTH).
AP_MAX_INCLUDE_DEPTH = 128
