"""Rule fig03_memory_aba: draw figure 3 from the overlaps of E3.

Before drawing, it measures how far the later visits of task A are from the
first (``memory.return_report``) and logs it; the tolerance goes into the
figure.
"""

from lowrank_learning import memory, protocol, store
from lowrank_learning.logs import logged_stage, stage_logger
from lowrank_learning.plotting import memory as memory_plot
from lowrank_learning.plotting import style

log = stage_logger(snakemake.log[0], "fig03_memory_aba")

with logged_stage(log, "fig03_memory_aba"):
    overlaps = store.read_dataset(snakemake.input.overlaps, required=["sigma", "K"])
    exp = store.experiment_config(overlaps)
    prot = protocol.build_protocol(exp)
    ends = memory.phase_end_epochs(overlaps["phase"].values)
    visits = [
        e for e, ph in zip(ends, prot, strict=True) if ph.task_name == prot[0].task_name
    ]
    reports = {}
    for name, back in zip(("A2", "A3"), visits[1:], strict=False):
        rep = memory.return_report(overlaps, prot[0].task, visits[0], back)
        reports[name] = rep
        log.info(
            "%s (epoch %d) vs A1 (epoch %d): clean losses %.3g, %.3g; tolerance %.3g; "
            "|change| zm, vu, zu*vm = %s; zu %.3g, vm %.3g; max invisible %.3g "
            "(%.1f x tolerance); returned=%s",
            name,
            back,
            visits[0],
            rep["loss_ref"],
            rep["loss_back"],
            rep["tolerance"],
            ", ".join(f"{v:.3g}" for v in rep["coordinate_change"].values()),
            rep["overlap_change"]["zu"],
            rep["overlap_change"]["vm"],
            rep["max_invisible_change"],
            rep["invisible_ratio"],
            rep["returned"],
        )
    fig = memory_plot.aba_memory(overlaps, snakemake.params.start, reports)
    style.save(fig, snakemake.output)
    log.info("wrote %s", ", ".join(snakemake.output))
