"""Gradbook: the code of an open textbook on deep learning, built from scratch.

Each chapter builds one package, which its page shows and its tests check:
`gradbook.manual` (Chapter 1), `gradbook.scalar` (2 and 3), `gradbook.tensor`
(4 and 5), `gradbook.pytorch` and `gradbook.device` (6), `gradbook.bikes` and
`gradbook.data.fetch` (7), `gradbook.data.loader` and `gradbook.data.stream` (8),
`gradbook.names` (9: language models of names, from counted bigrams to an MLP with
BatchNorm and its gradients derived by hand), `gradbook.gpt` (10 to 12),
`gradbook.tokens` (11: byte-pair encoding from scratch). Shared by
all of them: `gradbook.errors`, `gradbook.files`, `gradbook.progress`,
`gradbook.figures`, and the `gradbook` command in `gradbook.cli`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gradbook")      # the one version number lives in pyproject.toml
except PackageNotFoundError:               # imported from a source tree never installed
    __version__ = "0+unknown"
