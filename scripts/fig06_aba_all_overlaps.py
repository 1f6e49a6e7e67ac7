"""Rule fig06_aba_all_overlaps: all overlaps through the A-B-A protocol (E3)."""

from lowrank_learning import memory, store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import memory as memory_plot
from lowrank_learning.plotting import style

log = stage_logger(snakemake.log[0], "fig06_aba_all_overlaps")

with logged_stage(log, "fig06_aba_all_overlaps"):
    overlaps = store.read_dataset(snakemake.input.overlaps, required=["sigma"])
    theory = store.read_dataset(snakemake.input.theory, required=["sigma"])
    first_end = memory.phase_end_epochs(overlaps["phase"].values)[0]
    fig = memory_plot.overlap_traces(
        overlaps,
        start=snakemake.params.start,
        reference=first_end,
        theory=theory,
        title="A-B-A under gradient descent",
    )
    style.save(fig, snakemake.output)
    log.info("reference epoch %d (end of A1); wrote %s", first_end, snakemake.output)
