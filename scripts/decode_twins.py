"""Rule decode_twins: decode the history (A vs B) from the twins' overlaps."""

from lowrank_learning import decoding, store
from lowrank_learning.logs import logged_stage, stage_logger

log = stage_logger(snakemake.log[0], "decode_twins")

with logged_stage(log, "decode twins"):
    training = store.read_dataset(snakemake.input.training, required=["sigma_stage"])
    ds = decoding.decoding_dataset(
        training, snakemake.params.decoding, snakemake.params.seed
    )
    store.write_dataset(ds, snakemake.output[0])
    for stage in ds["stage"].values:
        for fset in ds["features"].values:
            for noise in ds["noise"].values:
                sel = {"stage": stage, "features": fset, "noise": noise}
                log.info(
                    "%-8s %-9s noise %-7s accuracy %.3f +- %.3f",
                    stage,
                    fset,
                    noise,
                    float(ds["accuracy_mean"].sel(sel)),
                    float(ds["accuracy_std"].sel(sel)),
                )
