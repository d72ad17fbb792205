# The HTML report: `snakemake --report results/report.html` (make run writes it) gathers every figure declared
# with report(...) — the NEST comparison and the analysis figures — under this front page.


report: "../docs/report/workflow.rst"
