"""Chapter 1: linear regression with gradients derived by hand (numpy only)."""

from gradbook.manual.data import line_data, make_memory_data
from gradbook.manual.gradcheck import numerical_gradient, relative_error
from gradbook.manual.io import load_params, save_params
from gradbook.manual.linear import (
    FitResult,
    LinearParams,
    fit,
    gradients,
    mse_loss,
    predict,
)

__all__ = [
    "FitResult",
    "LinearParams",
    "fit",
    "gradients",
    "line_data",
    "load_params",
    "make_memory_data",
    "mse_loss",
    "numerical_gradient",
    "predict",
    "relative_error",
    "save_params",
]
