"""Rule figS1_finite_size: draw the figure from its stage output only."""

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import erf, style

log = stage_logger(snakemake.log[0], "figS1_finite_size")

with logged_stage(log, "figS1_finite_size"):
    summary = store.read_dataset(snakemake.input.summary)
    fig = erf.finite_size(summary)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
