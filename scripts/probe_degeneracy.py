"""Rule probe_degeneracy: probe theta1 and theta2 on one input (figure 2 c-f)."""

from lowrank_learning import probes, stages, store
from lowrank_learning.logs import logged_stage, stage_logger

log = stage_logger(snakemake.log[0], "probe_degeneracy")

with logged_stage(log, "probe of the twin networks"):
    dtype = stages.configure_precision({"float64": snakemake.params.float64})
    log.info("device=%s dtype=%s", stages.device_name(), dtype)
    required = ["X", "epoch_saved"]
    train_a = store.read_dataset(snakemake.input.theta1, required=required)
    train_b = store.read_dataset(snakemake.input.theta2, required=required)
    ds = probes.degeneracy_probe(
        train_a,
        train_b,
        snakemake.params.seed,
        steps=snakemake.params.steps,
        noise_std=snakemake.params.noise_std,
        n_shown=snakemake.params.n_shown,
    )
    store.write_dataset(ds, snakemake.output[0])
    for key in (
        "visible_overlap_gap",
        "invisible_overlap_gap",
        "output_initial_gap",
        "output_noisy_gap",
        "output_final_gap",
        "activity_gap",
    ):
        log.info("%s=%.3g", key, ds.attrs[key])
