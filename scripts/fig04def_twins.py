"""Rule fig04def_twins: draw the figure from stage outputs only."""

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import style, twins

log = stage_logger(snakemake.log[0], "fig04def_twins")

with logged_stage(log, "fig04def_twins"):
    training = store.read_dataset(snakemake.input.training)
    decoding = store.read_dataset(snakemake.input.decoding)
    pair = snakemake.params.pair
    fig = twins.protocol_and_decoding(training, decoding, pair)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
