"""Rule init_network: draw the initial vectors of one experiment."""

from lowrank_learning import stages, store
from lowrank_learning.logs import logged_stage, stage_logger

log = stage_logger(snakemake.log[0], "init_network")
name = snakemake.params.name
settings = snakemake.params.settings

with logged_stage(log, f"init {name}"):
    dtype = stages.configure_precision(settings)
    exp = {"network": settings["network"]}
    ds = stages.init_stage(name, exp, snakemake.params.seed)
    store.write_dataset(ds, snakemake.output[0])
    log.info(
        "N=%d rank=%d activation=%s dtype=%s device=%s",
        ds.attrs["N"],
        ds.attrs["rank"],
        ds.attrs["activation"],
        dtype,
        stages.device_name(),
    )
