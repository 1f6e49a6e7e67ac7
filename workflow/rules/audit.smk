# Stage 6: the claims audit, reading stage outputs only.

from lowrank_learning import claims as lrl_claims

CLAIMS_FILE = Path(config["audit"]["claims"])
if not CLAIMS_FILE.is_absolute():
    CLAIMS_FILE = Path(workflow.basedir) / CLAIMS_FILE
CLAIMS = lrl_claims.load_claims(CLAIMS_FILE)
AUDIT = ["results/audit/claims.json", "results/audit/claims.md"]


rule audit_claims:
    input:
        lrl_claims.claim_files(CLAIMS),
    output:
        json=AUDIT[0],
        md=AUDIT[1],
        html=report(
            "results/audit/claims.html",
            caption="../report/claims.rst",
            category="Audit",
        ),
    log:
        "logs/audit_claims/claims.log",
    benchmark:
        "results/benchmarks/audit_claims/claims.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        claims=canonical(CLAIMS),
        enforce=config["audit"]["enforce"],
    script:
        "../../scripts/audit_claims.py"
