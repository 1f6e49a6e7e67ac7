"""Rule fig04abc_erf_flipflop: figure 4a-c from the E5 stage outputs."""

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import erf, style

log = stage_logger(snakemake.log[0], "fig04abc_erf_flipflop")

with logged_stage(log, "fig04abc_erf_flipflop"):
    train = store.read_dataset(snakemake.input.train, required=["X", "probe_input"])
    overlaps = store.read_dataset(snakemake.input.overlaps, required=["qq_r"])
    theory = store.read_dataset(snakemake.input.theory, required=["probe_output_final"])
    fig = erf.erf_flipflop(train, overlaps, theory)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
