"""mod_mpm_event: the event MPM's directives. heartmonitor serves from one asyncio loop
whichever MPM a configuration loads; Listen is honoured, the process tuning is checked
as the MPM checks it and does nothing."""

from heartmonitor.listen import listen_commands
from heartmonitor.module import MIDDLE, Hook, Module
from heartmonitor.mpm import EVENT, mpm_handlers, threaded_check_config

MODULE = Module("mpm_event_module", "event.c", commands=listen_commands(),
                handlers=mpm_handlers(EVENT),
                hooks={"check_config": Hook(threaded_check_config(EVENT), MIDDLE)})
