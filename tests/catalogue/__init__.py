"""Fixture submissions per assignment: wrong answers and correct variants."""
from . import softmax

CATALOGUES = {
    "softmax": softmax.SUBMISSIONS,
}
