"""HTTP for the handlers httpd modules provide: Listen sockets, h11 connections,
<Location> and SetHandler dispatch, Require, and httpd's canned error pages."""
