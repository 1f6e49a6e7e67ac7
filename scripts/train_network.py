"""Rule train_network: train the full network through the experiment's protocol."""

from lowrank_learning import stages, store
from lowrank_learning.logs import logged_stage, stage_logger

log = stage_logger(snakemake.log[0], "train_network")
name = snakemake.params.name
exp = snakemake.params.experiment

with logged_stage(log, f"train {name}"):
    dtype = stages.configure_precision(exp)
    log.info("device=%s dtype=%s", stages.device_name(), dtype)
    init = store.read_dataset(snakemake.input.init, required=["X"])
    ds = stages.train_stage(
        name,
        exp,
        snakemake.params.seed,
        init,
        report=log.info,
        interval=snakemake.params.progress_interval,
    )
    store.write_dataset(ds, snakemake.output[0])
    log.info(
        "epochs=%d initial loss=%.6g final loss=%.6g",
        ds.sizes["epoch"] - 1,
        float(ds["loss"][0]),
        float(ds["loss"][-1]),
    )
