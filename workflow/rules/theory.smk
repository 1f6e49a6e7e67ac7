# Stage 4: overlap-space descents started from the simulation's initial overlaps.


rule integrate_theory:
    input:
        train="data/train/{exp}.nc",
    output:
        "data/theory/{exp}.nc",
    log:
        "logs/integrate_theory/{exp}.log",
    benchmark:
        "results/benchmarks/integrate_theory/{exp}.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        name="{exp}",
        seed=config["seed"],
        experiment=theory_params,
        progress_interval=config["progress_interval"],
    script:
        "../../scripts/integrate_theory.py"
