"""Generate large httpd configurations for benchmarks: Includes, sections, quoting,
continuation lines and ${VAR} references, all of it valid for httpd 2.4 on Debian."""

from __future__ import annotations

import os

MODDIR = "/usr/lib/apache2/modules"
MODULES = [
    "mpm_event", "alias", "rewrite", "headers", "mime", "setenvif", "authz_core", "authz_host",
    "status", "heartmonitor", "slotmem_shm", "proxy", "proxy_balancer", "lbmethod_heartbeat",
]

HEAD = """\
# Generated benchmark configuration
ServerRoot {root}
DefaultRuntimeDir {root}
PidFile {root}/httpd.pid
ErrorLog {root}/error.log
ServerName bench.example
{loads}
Define DOCROOT {root}/htdocs
DocumentRoot "${{DOCROOT}}"
HeartbeatListen 239.0.0.1:27999
HeartbeatStorage {root}/hb.dat
HeartbeatMaxServers 0
Listen 127.0.0.1:8080
IncludeOptional {root}/conf.d/*.conf
"""

VHOST = """\
# site {i}
<VirtualHost 127.0.0.1:8080>
    ServerName host{i}.example.com
    ServerAlias "alias{i}.example.com" 'www{i}.example.com'
    DocumentRoot ${{DOCROOT}}
    <Directory "${{DOCROOT}}/site{i}">
        Options -Indexes +FollowSymLinks
        AllowOverride None
        Require ip 127.0.0.1 \\
            ::1
    </Directory>
    <Location /status{i}>
        SetHandler server-status
    </Location>
    Header set X-Served-By "host{i}"
    RewriteEngine on
    RewriteRule ^/old{i}/(.*)$ /new{i}/$1 [R=301,L]
    Alias /static{i} "${{DOCROOT}}/static"
    AddType text/plain .txt{i}
</VirtualHost>

"""
VHOST_LINES = VHOST.count("\n")


def generate(root: str, lines: int, files: int = 10) -> str:
    """Write root/httpd.conf (+ conf.d/*.conf) of about `lines` lines; return its path."""
    os.makedirs(os.path.join(root, "conf.d"), exist_ok=True)
    os.makedirs(os.path.join(root, "htdocs"), exist_ok=True)
    loads = "\n".join(f"LoadModule {m}_module {MODDIR}/mod_{m}.so" for m in MODULES)
    head = HEAD.format(root=root, loads=loads)
    with open(os.path.join(root, "httpd.conf"), "w") as handle:
        handle.write(head)
    remaining = max(lines - head.count("\n"), 0)
    vhosts = remaining // VHOST_LINES
    per_file = max(vhosts // files, 1) if vhosts else 0
    index = 0
    for number in range(files):
        count = per_file if number < files - 1 else vhosts - per_file * (files - 1)
        with open(os.path.join(root, "conf.d", f"sites-{number:02d}.conf"), "w") as handle:
            for _ in range(max(count, 0)):
                handle.write(VHOST.format(i=index))
                index += 1
    return os.path.join(root, "httpd.conf")


if __name__ == "__main__":
    import sys

    print(generate(sys.argv[1], int(sys.argv[2])))
