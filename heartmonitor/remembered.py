"""functools.lru_cache's use here, without functools: importing functools (and the
collections module it imports) costs every `heartmonitor -t` more than the few lookups
it would serve."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (-t start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    Answer = TypeVar("Answer")


def remembered(maxsize: int) -> Callable[[Callable[..., Answer]], Callable[..., Answer]]:
    """Remember a function's answers by its positional arguments, up to maxsize of them;
    when full, forget them all (the callers repeat a few arguments many times)."""

    def wrap(function: Callable[..., Answer]) -> Callable[..., Answer]:
        answers: dict[tuple, Answer] = {}

        def remembering(*args: object) -> Answer:
            try:
                return answers[args]
            except KeyError:
                pass
            if len(answers) >= maxsize:
                answers.clear()
            answer = answers[args] = function(*args)
            return answer

        remembering.__doc__ = function.__doc__
        remembering.__name__ = function.__name__
        remembering.__wrapped__ = function  # type: ignore[attr-defined]
        return remembering

    return wrap
