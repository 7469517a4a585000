"""Fixture submissions per assignment: wrong answers and correct variants."""
from . import (activations, backprop, cross_entropy, entropy, hinge,
               kl_divergence, softmax)

CATALOGUES = {
    "entropy": entropy.SUBMISSIONS,
    "cross_entropy": cross_entropy.SUBMISSIONS,
    "kl_divergence": kl_divergence.SUBMISSIONS,
    "softmax": softmax.SUBMISSIONS,
    "hinge": hinge.SUBMISSIONS,
    "backprop": backprop.SUBMISSIONS,
    "activations": activations.SUBMISSIONS,
}
