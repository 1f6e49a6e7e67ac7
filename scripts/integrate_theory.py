"""Rule integrate_theory: overlap-space descents from the simulation's start."""

import numpy as np

from lowrank_learning import overlaps, stages, store
from lowrank_learning.logs import logged_stage, stage_logger

log = stage_logger(snakemake.log[0], "integrate_theory")
name = snakemake.params.name
exp = snakemake.params.experiment

with logged_stage(log, f"theory {name}"):
    dtype = stages.configure_precision(exp)
    log.info("device=%s dtype=%s", stages.device_name(), dtype)
    train = store.read_dataset(snakemake.input.train, required=["gram", "probe_input"])
    ds = stages.theory_stage(
        name,
        exp,
        snakemake.params.seed,
        train,
        report=log.info,
        interval=snakemake.params.progress_interval,
    )
    store.write_dataset(ds, snakemake.output[0])

    rank = exp["network"]["rank"]
    simulated = np.asarray(overlaps.sigma_from_gram(train["gram"].values, rank))
    for method in ds["method"].values:
        predicted = ds["sigma"].sel({"method": method}).values
        log.info(
            "method=%s final loss=%.6g max |sigma - simulation| over epochs=%.3g",
            method,
            float(ds["loss"].sel({"method": method})[-1]),
            np.abs(predicted - simulated).max(),
        )
