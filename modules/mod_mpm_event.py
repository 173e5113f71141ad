"""mod_mpm_event: the event MPM's directives. heartmonitor serves from one asyncio loop
whichever MPM a configuration loads; Listen is honoured, the process tuning is inert."""

from heartmonitor.listen import listen_commands
from heartmonitor.module import Module

MODULE = Module("mpm_event_module", "event.c", commands=listen_commands())
