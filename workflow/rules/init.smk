# Stage 1: initial network vectors, one file per experiment.


rule init_network:
    output:
        "data/init/{exp}.nc",
    log:
        "logs/init_network/{exp}.log",
    benchmark:
        "results/benchmarks/init_network/{exp}.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        name="{exp}",
        seed=config["seed"],
        settings=init_params,
    script:
        "../../scripts/init_network.py"
