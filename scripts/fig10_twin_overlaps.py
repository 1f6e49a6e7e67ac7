"""Rule fig10_twin_overlaps: draw the figure from stage outputs only."""

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import style, twins

log = stage_logger(snakemake.log[0], "fig10_twin_overlaps")

with logged_stage(log, "fig10_twin_overlaps"):
    training = store.read_dataset(snakemake.input.training)
    pair = snakemake.params.pair
    fig = twins.twin_overlaps(training, pair)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
