"""The test suite, a package: its shared modules are imported by name.

``from tests.helpers import ROOT`` works in every test file because pytest puts the
folder above the package (the repository root) on ``sys.path`` when it collects a
file of a package, as ``python -m pytest`` does for the folder it starts in.

- ``conftest.py``: fixtures (the one site build of a run).
- ``helpers.py``: what is shared and not a fixture (the repository's folders, the
  ``needs_torch`` mark, importing a script from ``tools/`` or ``benchmarks/``).
- ``strategies.py``: the hypothesis strategies of the property tests.
- ``docs_lint.py`` and ``figure_tolerances.py``: the rules for pages and figures.
"""
