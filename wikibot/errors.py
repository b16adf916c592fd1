"""The bot's errors: each says in one sentence what went wrong; the CLI shows it and exits."""

from __future__ import annotations


class WikibotError(Exception):
    """Something stops the bot; the message is a sentence for the operator."""


class ConfigurationError(WikibotError):
    """The bot's configuration is missing or wrong."""


class RegionError(WikibotError):
    """A page's region markers are damaged, so the bot cannot tell what belongs to whom."""


class WikiError(WikibotError):
    """The wiki could not be read or written."""


class UsageError(WikibotError):
    """The command line asks for something the bot does not have."""
