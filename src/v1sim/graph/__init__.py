"""Graph analysis of the connectome: adjacency, communities, K-way partitions and their spike traffic."""
