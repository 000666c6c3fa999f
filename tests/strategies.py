"""The hypothesis strategies the property tests share.

Sizes are small on purpose: every example is compared with PyTorch or with finite
differences, and small shapes are where broadcasting and edge cases go wrong.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, broadcastable_shapes

# A seed for numpy's default_rng, from which a test draws its arrays: hypothesis
# chooses (and shrinks) the seed, numpy the numbers.
seeds = st.integers(0, 1000)


def finite_floats(bound: float) -> st.SearchStrategy[float]:
    """Floats in [-bound, bound]: no NaN, no infinity."""
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


def nonzero_floats(bound: float, gap: float = 0.1) -> st.SearchStrategy[float]:
    """Floats in [-bound, bound] more than ``gap`` away from zero: safe to divide by."""
    return finite_floats(bound).filter(lambda x: abs(x) > gap)


def small_shapes(min_dims: int = 1, max_side: int = 5) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes of ``min_dims`` to 3 dimensions, each 1 to ``max_side`` long."""
    return array_shapes(min_dims=min_dims, max_dims=3, max_side=max_side)


def broadcastable_pairs(max_side: int = 4) -> st.SearchStrategy[tuple[tuple[int, ...], tuple[int, ...]]]:
    """``(shape, other)``: two shapes that broadcast together; ``other`` may have fewer dimensions."""
    return small_shapes(max_side=max_side).flatmap(
        lambda s: st.tuples(st.just(s), broadcastable_shapes(s, min_dims=0, max_dims=3, max_side=max_side))
    )
