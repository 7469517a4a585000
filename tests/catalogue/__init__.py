"""Fixture submissions per assignment: realistic wrong answers, correct
variants, answers written independently of both (catalogue.independent),
and the trivial answers of every function (catalogue.trivial)."""
from . import (activations, backprop, cross_entropy, entropy, hinge,
               independent, kl_divergence, softmax, trivial)

CATALOGUES = {
    name: (module.SUBMISSIONS + independent.SUBMISSIONS[name]
           + trivial.submissions(name))
    for name, module in (("entropy", entropy),
                         ("cross_entropy", cross_entropy),
                         ("kl_divergence", kl_divergence),
                         ("softmax", softmax), ("hinge", hinge),
                         ("backprop", backprop),
                         ("activations", activations))
}
