"""httpd modules heartmonitor emulates, one file per module (mod_heartmonitor.so -> here).

Each file defines MODULE, a heartmonitor.module.Module. Stock directives a module does not
declare are added from the catalogue, inert. Installed as the package heartmonitor.modules.
"""
