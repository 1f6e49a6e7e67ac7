"""Timing of the memory study (E3, E4) at paper scale, and its disk footprint.

Run:  python benchmarks/memory_study.py [--out table.md]

E3: rank-1 linear N = 500, float64, GD through A 3000, B 1000, A 1000,
B 1000, A 4000 (target noise 0.1, 2 x lr): 10000 epochs. E4: the same
network under Adam (lr 1e-3), A, B, A, B, A, 4000 epochs each: 20000
epochs. Both run the train stage exactly as the pipeline does (config from
config/config.yaml, three tracked pairs), then the overlaps stage and, for
E3, the theory stage; the NetCDF files are written to a temporary folder
and their sizes reported. Times are wall clock, compilation included (one
run each: this is what a pipeline job costs). Targets on a 2-core machine:
E3 training < 40 s, E4 training < 80 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from table import emit, peak_memory_row  # benchmarks/table.py

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="also append the table here")
    args = parser.parse_args(argv)

    import jax

    jax.config.update("jax_enable_x64", True)
    from lowrank_learning import config, stages, store

    cfg = config.load(ROOT / "config/config.yaml")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, target in (("memory_aba_gd", 40.0), ("memory_adam", 80.0)):
            exp = cfg["experiments"][name]
            epochs = sum(p["epochs"] for p in exp["phases"])
            init = stages.init_stage(name, exp, cfg["seed"])
            t0 = time.perf_counter()
            train_ds = stages.train_stage(name, exp, cfg["seed"], init)
            t_train = time.perf_counter() - t0
            rows.append((f"{name}: train, {epochs} epochs", t_train, "s"))
            rows.append((f"{name}: target", target, "s"))
            rows.append((f"{name}: per epoch", t_train / epochs * 1e3, "ms"))
            files = {"train": train_ds, "overlaps": stages.overlaps_stage(train_ds)}
            if not any(p.get("optimizer") == "adam" for p in exp["phases"]):
                t0 = time.perf_counter()
                files["theory"] = stages.theory_stage(name, exp, cfg["seed"], train_ds)
                rows.append(
                    (f"{name}: theory, 2 methods", time.perf_counter() - t0, "s")
                )
            total = 0
            for stage, ds in files.items():
                path = store.write_dataset(ds, Path(tmp) / stage / f"{name}.nc")
                size = path.stat().st_size / 2**20
                total += size
                rows.append((f"{name}: data/{stage}/{name}.nc", size, "MiB"))
            rows.append((f"{name}: disk, all stages", total, "MiB"))
    rows.append(peak_memory_row())
    emit(f"memory study (float64, {jax.devices()[0].platform})", rows, args.out)


if __name__ == "__main__":
    main()
