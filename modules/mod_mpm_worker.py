"""mod_mpm_worker: the worker MPM's directives. heartmonitor serves from one asyncio loop
whichever MPM a configuration loads; Listen is honoured, the process tuning is inert."""

from heartmonitor.listen import listen_commands
from heartmonitor.module import Module

MODULE = Module("mpm_worker_module", "worker.c", commands=listen_commands())
