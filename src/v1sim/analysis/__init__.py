"""What the simulated V1 did: rates and regularity per cell class, population activity, its low-dimensional
structure (PCA, UMAP) and pairwise correlations. Reads only SONATA spike files and the ingest stage's
``nodes.parquet``."""
