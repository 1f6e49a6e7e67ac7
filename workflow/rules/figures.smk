# Stage 5: figures of the linear study, drawn only from stage outputs (restyling
# reruns nothing else).

FIGURES += (
    figure_outputs("fig01c_three_descents")
    + figure_outputs("fig05_linear_filter")
    + figure_outputs("fig12_rank2")
)


rule fig01c_three_descents:
    input:
        overlaps=stage_file("overlaps", "linear_filter"),
        theory=stage_file("theory", "linear_filter"),
    output:
        figure_outputs("fig01c_three_descents"),
    log:
        "logs/figures/fig01c_three_descents.log",
    benchmark:
        "results/benchmarks/figures/fig01c_three_descents.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../../scripts/fig01c_three_descents.py"


rule fig05_linear_filter:
    input:
        train=stage_file("train", "linear_filter"),
        overlaps=stage_file("overlaps", "linear_filter"),
        theory=stage_file("theory", "linear_filter"),
    output:
        figure_outputs("fig05_linear_filter"),
    log:
        "logs/figures/fig05_linear_filter.log",
    benchmark:
        "results/benchmarks/figures/fig05_linear_filter.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../../scripts/fig05_linear_filter.py"


rule fig12_rank2:
    input:
        train=stage_file("train", "rank2_oscillation"),
        overlaps=stage_file("overlaps", "rank2_oscillation"),
        theory=stage_file("theory", "rank2_oscillation"),
    output:
        figure_outputs("fig12_rank2"),
    log:
        "logs/figures/fig12_rank2.log",
    benchmark:
        "results/benchmarks/figures/fig12_rank2.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../../scripts/fig12_rank2.py"
