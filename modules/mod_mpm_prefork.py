"""mod_mpm_prefork: the prefork MPM's directives. heartmonitor serves from one asyncio loop
whichever MPM a configuration loads; Listen is honoured, the process tuning is checked
as the MPM checks it and does nothing."""

from heartmonitor.listen import listen_commands
from heartmonitor.module import MIDDLE, Hook, Module
from heartmonitor.mpm import PREFORK, mpm_handlers, prefork_check_config

MODULE = Module("mpm_prefork_module", "prefork.c", commands=listen_commands(),
                handlers=mpm_handlers(PREFORK),
                hooks={"check_config": Hook(prefork_check_config, MIDDLE)})
