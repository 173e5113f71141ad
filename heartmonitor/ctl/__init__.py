"""heartmonitorctl: the test lab's command (apachectl's counterpart for heartmonitor).

`heartmonitor` stays httpd (its flags, its outputs); the lab's own tools live here, one
module per subcommand, all reading configurations through heartmonitor's own reader.
"""
