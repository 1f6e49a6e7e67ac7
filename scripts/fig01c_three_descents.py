"""Rule fig01c_three_descents: draw the figure from stage outputs only."""

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import linear, style

log = stage_logger(snakemake.log[0], "fig01c_three_descents")

with logged_stage(log, "fig01c_three_descents"):
    overlaps = store.read_dataset(snakemake.input.overlaps)
    theory = store.read_dataset(snakemake.input.theory)
    fig = linear.three_descents(overlaps, theory)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
