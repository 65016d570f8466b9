"""Storyline's exceptions. Per-item problems are ``records.Rejected`` values, not
exceptions; these are for conditions that stop a whole command.

    StorylineError
    ├── ConfigError          a setting has an invalid value
    ├── StoreError           the database cannot be opened, migrated or written
    │   └── SchemaVersionError   the database was written by a newer Storyline
    ├── ModelError           a packaged model is missing or is not what it claims
    └── InputError           a path given on the command line does not exist
"""

from __future__ import annotations


class StorylineError(Exception):
    """Base of every error Storyline raises on purpose."""


class ConfigError(StorylineError):
    """A setting has an invalid value; the message names the setting and the fix."""


class StoreError(StorylineError):
    """The database cannot be opened, migrated or written."""


class SchemaVersionError(StoreError):
    """The database schema is newer than this Storyline understands."""


class ModelError(StorylineError):
    """A packaged model is missing or does not match what was pinned."""


class InputError(StorylineError):
    """A path named by the user does not exist or cannot be read at all."""
