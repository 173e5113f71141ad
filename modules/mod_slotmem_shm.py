"""mod_slotmem_shm: the "shm" slotmem provider, segments laid out exactly as httpd's.

The segment of a relative name lives where httpd's APR puts it (POSIX shared memory,
/dev/shm/ShM...), derived from `<runtime dir>/slotmem-shm-<name>_0.shm`, so a real
httpd's mod_lbmethod_heartbeat can attach to mod_heartmonitor's table.
"""

from __future__ import annotations

from heartmonitor.module import Module

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from heartmonitor.modules.cluster.slotmem import Slotmem


class ShmProvider:
    """ap_slotmem_provider_t for "shm"."""

    name = "shm"

    def __init__(self) -> None:
        self.httpd = None
        self.instances: dict[str, Slotmem] = {}

    def create(self, httpd, name: str, item_size: int, count: int, kind: int):
        """slotmem_create: reuse this process's segment of that name, else make it."""
        # Imported here, as in attach: -t loads this module but never makes a segment.
        from heartmonitor.modules.cluster.slotmem import Slotmem, slotmem_filename

        filename = slotmem_filename(httpd, name)
        existing = self.instances.get(filename)
        if existing is not None and existing.item_size == item_size and existing.num == count:
            return existing
        if existing is not None:
            existing.remove()
        instance = Slotmem.create(filename, item_size, count, kind)
        self.instances[filename] = instance
        return instance

    def attach(self, httpd, name: str):
        """slotmem_attach: this process's segment, or another process's by its name."""
        from heartmonitor.modules.cluster.slotmem import Slotmem, slotmem_filename

        filename = slotmem_filename(httpd, name)
        if filename in self.instances:
            return self.instances[filename]
        return Slotmem.attach(filename)


PROVIDER = ShmProvider()

MODULE = Module(
    "slotmem_shm_module",
    "mod_slotmem_shm.c",
    providers={("slotmem", "shm", "0"): PROVIDER},
)
