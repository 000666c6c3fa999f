"""Chapters 2–3: a scalar autograd engine, and neural networks built from it."""

from gradbook.scalar.engine import Value, topological_order

__all__ = ["Value", "topological_order"]
