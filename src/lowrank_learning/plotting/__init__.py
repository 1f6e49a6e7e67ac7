"""Figures of the study: one module per figure family, one shared style.

Every drawing function takes stage-output datasets (xarray) and returns a
matplotlib Figure; it computes nothing that a stage did not store, apart
from trivial reductions (a product of two overlaps, a final value).
"""
