"""Rule fig12_rank2: draw the figure from stage outputs only."""

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import linear, style

log = stage_logger(snakemake.log[0], "fig12_rank2")

with logged_stage(log, "fig12_rank2"):
    train = store.read_dataset(snakemake.input.train)
    overlaps = store.read_dataset(snakemake.input.overlaps)
    theory = store.read_dataset(snakemake.input.theory)
    fig = linear.rank2(train, overlaps, theory)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
