"""Fixture submissions per assignment: wrong answers and correct variants."""
from . import cross_entropy, entropy, kl_divergence, softmax

CATALOGUES = {
    "entropy": entropy.SUBMISSIONS,
    "cross_entropy": cross_entropy.SUBMISSIONS,
    "kl_divergence": kl_divergence.SUBMISSIONS,
    "softmax": softmax.SUBMISSIONS,
}
