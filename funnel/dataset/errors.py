"""The exceptions the core raises: input a user can fix, and work stopped on request."""

from __future__ import annotations

from collections.abc import Callable

StopCheck = Callable[[], bool]
"""A caller's ``should_stop``: called between the named steps of long work (a file, a
step of building, a place of the diagnosis); ``True`` stops the work."""


class InputError(ValueError):
    """Input that cannot be used, with a one-sentence reason meant for the user.

    The app shows ``str(error)`` as it is and the CLI prints it on stderr and exits 2,
    so the message must be a plain sentence naming the file and what is wrong.
    """


class Cancelled(Exception):
    """Long work stopped because its caller's ``should_stop`` said so (in the app: the
    browser session it was for has gone). Nothing the work would have made is returned or
    kept; ``step`` names the step it stopped before. Not an :class:`InputError`: there is
    nothing to tell a user.
    """

    def __init__(self, step: str) -> None:
        super().__init__(f"stopped before {step}")
        self.step = step


def stop_if(should_stop: StopCheck | None, step: str) -> None:
    """Raise :class:`Cancelled` before ``step`` when ``should_stop`` says so.

    Examples
    --------
    >>> stop_if(None, "reading leads.csv")
    >>> stop_if(lambda: True, "reading leads.csv")
    Traceback (most recent call last):
    ...
    funnel.dataset.errors.Cancelled: stopped before reading leads.csv
    """
    if should_stop is not None and should_stop():
        raise Cancelled(step)
