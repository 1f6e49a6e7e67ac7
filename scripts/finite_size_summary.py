"""Rule finite_size_summary: simulation-theory gap against N (figure S1)."""

from pathlib import Path

from lowrank_learning import stages, store
from lowrank_learning.logs import logged_stage, stage_logger

log = stage_logger(snakemake.log[0], "finite_size_summary")

with logged_stage(log, "finite-N summary"):
    files = {}
    for ov_path, th_path in zip(
        snakemake.input.overlaps, snakemake.input.theory, strict=True
    ):
        name = Path(ov_path).stem
        files[name] = (
            store.read_dataset(ov_path, required=["sigma", "loss"]),
            store.read_dataset(th_path, required=["sigma", "loss"]),
        )
    runs = {name: tuple(v) for name, v in snakemake.params.runs.items()}
    ds = stages.finite_size_stage(runs, files)
    store.write_dataset(ds, snakemake.output[0])
    for n, gaps in zip(ds["N"].values, ds["overlap_gap"].values, strict=True):
        log.info(
            "N=%d overlap gap per seed: %s", n, ", ".join(f"{g:.4g}" for g in gaps)
        )
    log.info("fitted slope of log gap vs log N: %.3f", ds.attrs["slope"])
