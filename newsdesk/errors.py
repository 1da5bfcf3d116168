"""One exception type per failure kind a user can act on.

The CLI and web edges catch `NewsdeskError` and print its message; anything else
is a bug. Messages name the input and the reason, never a stack.
"""


class NewsdeskError(Exception):
    """Base for errors that carry a user-facing message."""


class InputError(NewsdeskError):
    """An input file or record cannot be turned into an article."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class EmptyPageError(InputError):
    """The page holds no article text (empty, navigation only, or binary)."""


class TooLargeError(InputError):
    """The input is over the configured size limit."""


class DecodeError(InputError):
    """The bytes could not be decoded as text in any plausible encoding."""


class StoreError(NewsdeskError):
    """The store cannot be opened or is from a newer newsdesk."""


class NotFoundError(NewsdeskError):
    """No article with that id."""
