# Stage 2: full-N training (the simulation, ground truth), CPU or GPU.


rule train_network:
    input:
        init="data/init/{exp}.nc",
    output:
        "data/train/{exp}.nc",
    log:
        "logs/train_network/{exp}.log",
    benchmark:
        "results/benchmarks/train_network/{exp}.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        gpu=config["gpus_per_train_job"],
    params:
        name="{exp}",
        seed=config["seed"],
        experiment=train_params,
        progress_interval=config["progress_interval"],
    script:
        "../../scripts/train_network.py"
