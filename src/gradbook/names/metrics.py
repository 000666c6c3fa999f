"""Three units for one score: nats, bits per character, and perplexity.

A language model's loss is the average negative log-likelihood of each next
character. With natural logarithms it is in nats; with base-2 logarithms, in bits
(bits = nats / ln 2), the number of yes-or-no questions the model still needs per
character. Perplexity, e^nats = 2^bits, is the number of equally likely choices
that would leave the model as unsure: 27 for a model that knows nothing about
27 characters (ln 27 = 3.30 nats, 4.75 bits), 1 for one that is always sure and right.
"""

from __future__ import annotations

import math

LN2 = math.log(2)


# --8<-- [start:convert]
def bits_per_char(nats: float) -> float:
    """Nats per character to bits per character: divide by ln 2."""
    return nats / LN2


def nats_per_char(bits: float) -> float:
    """Bits per character to nats per character: multiply by ln 2."""
    return bits * LN2


def perplexity(nats: float) -> float:
    """Perplexity from a loss in nats: e^nats."""
    return math.exp(nats)


def nats_from_perplexity(ppl: float) -> float:
    """A loss in nats from a perplexity: ln(perplexity)."""
    return math.log(ppl)


def perplexity_from_bits(bits: float) -> float:
    """Perplexity from bits per character: 2^bits."""
    return 2.0 ** bits
# --8<-- [end:convert]


# --8<-- [start:row]
def score_row(nats: float) -> dict[str, float]:
    """One loss in the three units, for a table of models."""
    return {"nats": nats, "bits": bits_per_char(nats), "perplexity": perplexity(nats)}
# --8<-- [end:row]
