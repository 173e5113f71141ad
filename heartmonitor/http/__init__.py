"""HTTP for the handlers httpd modules provide: Listen sockets, client connections,
<Location> and SetHandler dispatch, Require, and httpd's canned error pages."""
