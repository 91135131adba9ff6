"""The one exception the core raises for input a user can fix."""

from __future__ import annotations


class InputError(ValueError):
    """Input that cannot be used, with a one-sentence reason meant for the user.

    The app shows ``str(error)`` as it is and the CLI prints it on stderr and exits 2,
    so the message must be a plain sentence naming the file and what is wrong.
    """
