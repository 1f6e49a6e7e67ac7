"""Rule train_twins: overlap-space training of every twin pair (E6)."""

import jax
import numpy as np

from lowrank_learning import stages, store, twins
from lowrank_learning.logs import logged_stage, stage_logger

log = stage_logger(snakemake.log[0], "train_twins")
cfg = snakemake.params.twins

with logged_stage(log, "train twins"):
    jax.config.update("jax_enable_x64", bool(cfg["float64"]))
    log.info(
        "device=%s dtype=%s pairs=%d batch=%d epochs A/B %d + C %d method=%s",
        stages.device_name(),
        "float64" if cfg["float64"] else "float32",
        cfg["n_pairs"],
        cfg["batch"],
        cfg["epochs_ab"],
        cfg["epochs_c"],
        cfg["method"],
    )
    ds = twins.training_dataset(
        cfg,
        snakemake.params.seed,
        report=log.info,
        interval=snakemake.params.progress_interval,
    )
    store.write_dataset(ds, snakemake.output[0])

    log.info(
        "rejected initial draws: %d (per pair %s); starts with a non-PSD S: %d",
        int(ds["rejections"].sum()),
        ds["rejections"].values.tolist(),
        ds.attrs["n_starts_not_psd"],
    )
    for twin in ds["twin"].values:
        switch = ds["switch_epoch"].sel(twin=twin).values
        log.info("twin %s lr-drop epochs: %s", twin, switch.tolist())
    end_ab = ds["loss"].isel(epoch=cfg["epochs_ab"] - 1)
    log.info("loss at the last A/B epoch (pair x twin):\n%s", end_ab.values)
    log.info("final loss on C (pair x twin):\n%s", ds["loss"].isel(epoch=-1).values)
    vis = ds["visible"].values
    end = ds["sigma_stage"].sel(stage="after_c").values
    gap = np.abs(end[:, 1] - end[:, 0])
    log.info(
        "after C: max |twin B - twin A| visible %.3g, invisible %.3g",
        gap[:, vis].max(),
        gap[:, ~vis].max(),
    )
