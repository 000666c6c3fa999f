"""Chapters 4–5: a tensor autograd engine in numpy, and training with it."""

from gradbook.tensor.gradcheck import gradcheck
from gradbook.tensor.tensor import Tensor, no_grad, topological_order, unbroadcast

__all__ = ["Tensor", "gradcheck", "no_grad", "topological_order", "unbroadcast"]
