"""Rule fig05_linear_filter: draw the figure from stage outputs only."""

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import linear, style

log = stage_logger(snakemake.log[0], "fig05_linear_filter")

with logged_stage(log, "fig05_linear_filter"):
    train = store.read_dataset(snakemake.input.train)
    overlaps = store.read_dataset(snakemake.input.overlaps)
    theory = store.read_dataset(snakemake.input.theory)
    fig = linear.linear_filter(train, overlaps, theory)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
