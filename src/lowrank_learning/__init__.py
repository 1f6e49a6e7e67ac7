"""Reproduction of Ger & Barak (2026): how low-rank recurrent networks learn.

The package holds all the science of the pipeline; the Snakemake rules only
call it. Modules:

- ``network``: the rank-R rate network, its initialisation and rollouts.
- ``tasks``: seeded trial batches for every task of the study.
- ``overlaps``: Gram matrix, overlap labels, visible sets, reduced network.
- ``theory``: overlap-space learning (first-order map, exact map, flow,
  direct descent).
- ``protocol``: experiments as phases (task, epochs, learning rate,
  optimiser), shared by the simulation and the theory.
- ``train``: full-N training with gradient descent or Adam.
- ``store``: NetCDF data contracts, provenance and atomic writes.
- ``config``: loading and validating the pipeline configuration.
"""

__version__ = "0.1.0"
