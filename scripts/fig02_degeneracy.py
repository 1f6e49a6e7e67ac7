"""Rule fig02_degeneracy: draw figure 2 b-g from stage outputs only."""

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import memory, style

log = stage_logger(snakemake.log[0], "fig02_degeneracy")

with logged_stage(log, "fig02_degeneracy"):
    probe = store.read_dataset(snakemake.input.probe)
    overlaps = [store.read_dataset(p) for p in snakemake.input.overlaps]
    theory = [store.read_dataset(p) for p in snakemake.input.theory]
    fig = memory.degeneracy(probe, overlaps, theory, snakemake.params.shown_steps)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
