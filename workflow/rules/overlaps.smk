# Stage 3: labelled overlaps, visibility and invariants of the simulation.


rule extract_overlaps:
    input:
        train="data/train/{exp}.nc",
    output:
        "data/overlaps/{exp}.nc",
    log:
        "logs/extract_overlaps/{exp}.log",
    benchmark:
        "results/benchmarks/extract_overlaps/{exp}.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../../scripts/extract_overlaps.py"
