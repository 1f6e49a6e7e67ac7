"""Rule fig07_adam_overlaps: all overlaps through A, B, A, B, A under Adam (E4)."""

import numpy as np

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import memory as memory_plot
from lowrank_learning.plotting import style

log = stage_logger(snakemake.log[0], "fig07_adam_overlaps")

with logged_stage(log, "fig07_adam_overlaps"):
    overlaps = store.read_dataset(
        snakemake.input.overlaps, required=["sigma", "invariant_drift"]
    )
    fig = memory_plot.overlap_traces(
        overlaps,
        start=0,
        reference=snakemake.params.reference,
        title="A, B, A, B, A under Adam",
    )
    style.save(fig, snakemake.output)
    log.info(
        "max |invariant drift| under Adam = %.3g; wrote %s",
        float(np.abs(overlaps["invariant_drift"].values).max()),
        ", ".join(snakemake.output),
    )
