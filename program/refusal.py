"""A refusal of what someone asked for, as a message key and its parameters.

The domain refuses (a step the case flow does not allow, a cost the program never pays, an
amount that is not one); the web tool says why in the reader's language, from its message
files, where the refusal is shown. One type, so the staff console catches one thing and shows
it one way.
"""

from __future__ import annotations

# A parameter is text, a number (written the language's way), or {"message": key, "default":
# text}: a word that is itself translated, such as the name of a status.
Param = str | int | dict[str, str]


class Refused(ValueError):
    """Not done: `key` names the sentence that says why, `params` fill its $1, $2…"""

    def __init__(self, key: str, *params: Param) -> None:
        super().__init__(key, *params)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        return self.key


def word(key: str, default: str) -> dict[str, str]:
    """A parameter that is itself a message: `key` translated, else `default`."""
    return {"message": key, "default": default}
