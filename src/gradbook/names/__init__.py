"""Chapter 9: language models of names, from a counted bigram table to an MLP with BatchNorm.

`data` (names.txt, the 27-character vocabulary, the seeded 80/10/10 split, context
pairs), `bigram` (the counted table and the same model as a one-layer network),
`mlp` (the MLP language model, its training loop, the learning-rate range test,
sampling), `backprop` (every gradient of the MLP with BatchNorm, by hand),
`metrics` (nats, bits per character, perplexity), `checkpoint` and `commands`
(`gradbook names train|sample`).
"""
