"""Rule fig08_optimisers: figure 8 from the three E7 runs."""

from lowrank_learning import store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import erf, style

log = stage_logger(snakemake.log[0], "fig08_optimisers")

with logged_stage(log, "fig08_optimisers"):
    runs = [
        (
            label,
            store.read_dataset(train, required=["X", "probe_input"]),
            store.read_dataset(overlaps, required=["qq_r", "probe_output_reduced"]),
        )
        for label, train, overlaps in zip(
            snakemake.params.labels,
            snakemake.input.train,
            snakemake.input.overlaps,
            strict=True,
        )
    ]
    fig = erf.optimisers(runs)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
