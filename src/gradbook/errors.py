"""The errors a reader can fix, under one base class.

Library code raises these for problems that come from outside the program: a file
that is missing or damaged, a setting that cannot work, text the model cannot read.
The `gradbook` command turns any of them into one line on standard error and exit
status 2. Every other exception is a bug, and keeps its traceback.

`SettingsError` and `TokenizerError` are also `ValueError`s, the exception Python
uses for a value of the right type that cannot work, so code that catches
`ValueError` keeps catching them.
"""

from __future__ import annotations


class GradbookError(Exception):
    """Something the user can fix; the message says what and how."""


class DataError(GradbookError):
    """A data set is missing, corrupt or malformed; the message says which file and what to do."""


class CheckpointError(GradbookError):
    """A saved model is missing, damaged, unsafe or of the wrong kind; the message says which."""


class SettingsError(GradbookError, ValueError):
    """A setting (an option, a config value) that cannot work, such as a negative batch size."""


class TokenizerError(GradbookError, ValueError):
    """Text the tokenizer cannot encode, or ids it cannot decode."""
