"""Rule extract_overlaps: labelled overlaps and invariants from a training run."""

import numpy as np

from lowrank_learning import stages, store
from lowrank_learning.logs import logged_stage, stage_logger

log = stage_logger(snakemake.log[0], "extract_overlaps")

with logged_stage(log, f"overlaps of {snakemake.input.train}"):
    train = store.read_dataset(
        snakemake.input.train,
        required=["gram", "loss", "phase", "tracked_rows", "X", "probe_input"],
    )
    ds = stages.overlaps_stage(train)
    store.write_dataset(ds, snakemake.output[0])
    drift = np.abs(ds["invariant_drift"].values).max()
    log.info("overlaps=%d max |invariant drift|=%.3g", ds.sizes["overlap"], drift)
    final_r = ds["qq_r"].isel(epoch_saved=-1)
    log.info(
        "final Q-Q r: %s (1%% threshold for N i.i.d. normals: %.5f)",
        ", ".join(
            f"{v}={float(r):.5f}"
            for v, r in zip(ds["vector"].values, final_r, strict=True)
        ),
        float(ds["qq_threshold"]),
    )
