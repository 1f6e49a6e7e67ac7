"""Test setup: float64 everywhere, so tolerances reflect the mathematics and
not float32 round-off."""

import jax

jax.config.update("jax_enable_x64", True)

import pytest  # noqa: E402

from lowrank_learning import config  # noqa: E402


@pytest.fixture
def filter_experiment():
    """A small, validated E1-like experiment config (linear, rank 1)."""

    def make(N=80, rank=1, epochs=50, lr=5e-3, **overrides):
        task = (
            {"kind": "filter", "c_star": 0.2}
            if rank == 1
            else {"kind": "oscillation", "decay": 0.3, "frequency": 2.0}
        )
        exp = {
            "float64": True,
            "network": {"N": N, "rank": rank, "activation": "linear"},
            "dt": 0.05,
            "t_max": 10.0,
            "lr": lr,
            "tasks": {"A": task},
            "phases": [{"task": "A", "epochs": epochs}],
            "train": {"snapshot_stride": 10},
        }
        exp.update(overrides)
        cfg = config.validate({"experiments": {"test": exp}})
        return cfg["experiments"]["test"]

    return make
