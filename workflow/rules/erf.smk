# Nonlinear (erf) study: figures 4a-c, 8, 11 and the finite-N check S1.

OPTIMISER_RUNS = {"GF": "optimiser_gf", "GD": "optimiser_gd", "Adam": "optimiser_adam"}

FIGURES += (
    figure_outputs("fig04abc_erf_flipflop")
    + figure_outputs("fig08_optimisers")
    + figure_outputs("fig11_metric_structure")
)
if FINITE_SIZE_RUNS:
    FIGURES += figure_outputs("figS1_finite_size")


rule metric_structure:
    output:
        "data/metric/metric.nc",
    log:
        "logs/metric_structure/metric.log",
    benchmark:
        "results/benchmarks/metric_structure/metric.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        seed=config["seed"],
    script:
        "../../scripts/metric_structure.py"


rule finite_size_summary:
    input:
        overlaps=[f"data/overlaps/{name}.nc" for name in FINITE_SIZE_RUNS],
        theory=[f"data/theory/{name}.nc" for name in FINITE_SIZE_RUNS],
    output:
        "data/finite_size/summary.nc",
    log:
        "logs/finite_size_summary/summary.log",
    benchmark:
        "results/benchmarks/finite_size_summary/summary.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        runs={
            name: [exp["network"]["N"], int(name.rsplit("seed", 1)[1])]
            for name, exp in FINITE_SIZE_RUNS.items()
        },
    script:
        "../../scripts/finite_size_summary.py"


rule fig04abc_erf_flipflop:
    input:
        train=stage_file("train", "erf_flipflop"),
        overlaps=stage_file("overlaps", "erf_flipflop"),
        theory=stage_file("theory", "erf_flipflop"),
    output:
        figure_outputs("fig04abc_erf_flipflop"),
    log:
        "logs/figures/fig04abc_erf_flipflop.log",
    benchmark:
        "results/benchmarks/figures/fig04abc_erf_flipflop.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../../scripts/fig04abc_erf_flipflop.py"


rule fig08_optimisers:
    input:
        train=[stage_file("train", exp) for exp in OPTIMISER_RUNS.values()],
        overlaps=[stage_file("overlaps", exp) for exp in OPTIMISER_RUNS.values()],
    output:
        figure_outputs("fig08_optimisers"),
    log:
        "logs/figures/fig08_optimisers.log",
    benchmark:
        "results/benchmarks/figures/fig08_optimisers.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        labels=list(OPTIMISER_RUNS),
    script:
        "../../scripts/fig08_optimisers.py"


rule fig11_metric_structure:
    input:
        metric="data/metric/metric.nc",
    output:
        figure_outputs("fig11_metric_structure"),
    log:
        "logs/figures/fig11_metric_structure.log",
    benchmark:
        "results/benchmarks/figures/fig11_metric_structure.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../../scripts/fig11_metric_structure.py"


rule figS1_finite_size:
    input:
        summary="data/finite_size/summary.nc",
    output:
        figure_outputs("figS1_finite_size"),
    log:
        "logs/figures/figS1_finite_size.log",
    benchmark:
        "results/benchmarks/figures/figS1_finite_size.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../../scripts/figS1_finite_size.py"
