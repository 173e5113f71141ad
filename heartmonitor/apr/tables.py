"""apr_table_t as request tables use it: names compared without regard to ASCII case."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Iterator


class Table:
    """apr_table_get/set/unset: one value a name (set replaces), names kept as given."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, str]] = {}

    def get(self, name: str, default: str | None = None) -> str | None:
        entry = self._entries.get(name.lower())
        return default if entry is None else entry[1]

    def set(self, name: str, value: str) -> None:
        self._entries[name.lower()] = (name, value)

    def unset(self, name: str) -> None:
        self._entries.pop(name.lower(), None)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(self._entries.values())
