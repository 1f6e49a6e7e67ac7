"""Rule fig11_metric_structure: draw the figure from its stage output only."""

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import erf, style

log = stage_logger(snakemake.log[0], "fig11_metric_structure")

with logged_stage(log, "fig11_metric_structure"):
    metric = store.read_dataset(snakemake.input.metric)
    fig = erf.metric_structure(metric)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
