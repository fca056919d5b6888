"""Looking inside a network: feature maps, kernels, convolutions, receptive fields, attacks, embeddings, attribution."""
