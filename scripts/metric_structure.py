"""Rule metric_structure: Gbar for linear and erf networks (figure 11, E8)."""

import jax

jax.config.update("jax_enable_x64", True)

from lowrank_learning import stages, store  # noqa: E402
from lowrank_learning.logs import logged_stage, stage_logger  # noqa: E402

log = stage_logger(snakemake.log[0], "metric_structure")

with logged_stage(log, "metric structure"):
    ds = stages.metric_stage(snakemake.params.seed)
    store.write_dataset(ds, snakemake.output[0])
    for act in ds["activation"].values:
        zeros = ds["structural_zero"].sel(activation=act).values
        log.info(
            "%s: %d structural zeros of %d entries, %d visible columns",
            act,
            int(zeros.sum()),
            zeros.size,
            int(ds["visible"].sel(activation=act).sum()),
        )
