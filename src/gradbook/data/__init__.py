"""Data sets for the book: made by code, or loaded from files and verified."""

from gradbook.data.moons import make_moons

__all__ = ["make_moons"]
