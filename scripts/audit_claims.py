"""Rule audit_claims: measure every claim and compare with its expectation."""

import jax

# float64: some metrics differentiate the loss (return tolerances of claim C5)
jax.config.update("jax_enable_x64", True)

from lowrank_learning import claims  # noqa: E402
from lowrank_learning.logs import logged_stage, stage_logger  # noqa: E402

log = stage_logger(snakemake.log[0], "audit_claims")

with logged_stage(log, f"audit of {len(snakemake.params.claims)} claims"):
    rows = claims.evaluate(snakemake.params.claims)
    for row in rows:
        log.info(
            "%s: measured %.4g %s %g -> %s (expected %s)",
            row["id"],
            row["measured"],
            row["compare"],
            row["threshold"],
            row["verdict"],
            row["expected"],
        )
    bad = claims.unexpected(rows)
    if bad and snakemake.params.enforce:
        names = ", ".join(
            f"{r['id']} ({r['verdict']}, expected {r['expected']})" for r in bad
        )
        raise RuntimeError(
            f"claims audit: {len(bad)} verdict(s) differ from their expectation: "
            f"{names}; see the claims table in the log, then fix the science or "
            "update config/claims.yaml with a reason"
        )
    claims.write_reports(rows, snakemake.output.json, snakemake.output.md)
    claims.write_html(rows, snakemake.output.html)
    if bad:
        log.warning("%d unexpected verdicts (audit.enforce is off)", len(bad))
