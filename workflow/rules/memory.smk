# Degeneracy and memory study (E2, E3, E4): the probe of the twin networks and
# figures 2, 3, 6 and 7. Figure rules read stage outputs only; the probe stage
# reads the two training files.
#
# Probe settings (STUDY.md E2): a 400-step input x[t] ~ N(0, 1), state noise
# N(0, 0.5^2) on every unit, the first 200 steps drawn. Figure windows follow
# the protocols: figures 3 and 6 start at two thirds of the first phase
# (epoch 2000 of 3000), figure 7's reference line sits at three quarters of its
# first phase (epoch 3000 of 4000).

FIGURES += (
    figure_outputs("fig02_degeneracy")
    + figure_outputs("fig03_memory_aba")
    + figure_outputs("fig06_aba_all_overlaps")
    + figure_outputs("fig07_adam_overlaps")
)


rule probe_degeneracy:
    input:
        theta1=stage_file("train", "degeneracy_theta1"),
        theta2=stage_file("train", "degeneracy_theta2"),
    output:
        "data/probes/degeneracy.nc",
    log:
        "logs/probe_degeneracy/degeneracy.log",
    benchmark:
        "results/benchmarks/probe_degeneracy/degeneracy.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        seed=config["seed"],
        float64=config["experiments"]["degeneracy_theta1"]["float64"],
        steps=400,
        noise_std=0.5,
        n_shown=5,
    script:
        "../../scripts/probe_degeneracy.py"


rule fig02_degeneracy:
    input:
        probe="data/probes/degeneracy.nc",
        overlaps=[
            stage_file("overlaps", "degeneracy_theta1"),
            stage_file("overlaps", "degeneracy_theta2"),
        ],
        theory=[
            stage_file("theory", "degeneracy_theta1"),
            stage_file("theory", "degeneracy_theta2"),
        ],
    output:
        figure_outputs("fig02_degeneracy"),
    log:
        "logs/figures/fig02_degeneracy.log",
    benchmark:
        "results/benchmarks/figures/fig02_degeneracy.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        shown_steps=200,
    script:
        "../../scripts/fig02_degeneracy.py"


rule fig03_memory_aba:
    input:
        overlaps=stage_file("overlaps", "memory_aba_gd"),
    output:
        figure_outputs("fig03_memory_aba"),
    log:
        "logs/figures/fig03_memory_aba.log",
    benchmark:
        "results/benchmarks/figures/fig03_memory_aba.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        start=lambda wildcards: (
            config["experiments"]["memory_aba_gd"]["phases"][0]["epochs"] * 2 // 3
        ),
    script:
        "../../scripts/fig03_memory_aba.py"


rule fig06_aba_all_overlaps:
    input:
        overlaps=stage_file("overlaps", "memory_aba_gd"),
        theory=stage_file("theory", "memory_aba_gd"),
    output:
        figure_outputs("fig06_aba_all_overlaps"),
    log:
        "logs/figures/fig06_aba_all_overlaps.log",
    benchmark:
        "results/benchmarks/figures/fig06_aba_all_overlaps.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        start=lambda wildcards: (
            config["experiments"]["memory_aba_gd"]["phases"][0]["epochs"] * 2 // 3
        ),
    script:
        "../../scripts/fig06_aba_all_overlaps.py"


# memory_adam trains with Adam, which the theory does not describe: no rule
# asks for data/theory/memory_adam.nc.
rule fig07_adam_overlaps:
    input:
        overlaps=stage_file("overlaps", "memory_adam"),
    output:
        figure_outputs("fig07_adam_overlaps"),
    log:
        "logs/figures/fig07_adam_overlaps.log",
    benchmark:
        "results/benchmarks/figures/fig07_adam_overlaps.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        reference=lambda wildcards: (
            config["experiments"]["memory_adam"]["phases"][0]["epochs"] * 3 // 4
        ),
    script:
        "../../scripts/fig07_adam_overlaps.py"
