"""Gradbook: deep learning from scratch, one chapter at a time.

Each subpackage holds the code one chapter of the book builds:

- :mod:`gradbook.manual` — Chapter 1, linear regression with hand-derived gradients.
"""

__version__ = "0.1.0"
