"""Chapter 11: byte-pair encoding (BPE) from scratch, the tokenizer GPT-2 and its successors use.

- `pretokenize`: the pre-split of text into chunks that merges never cross.
- `train`: the merge loop, once plainly (`train_naive`) and once with pair counts
  kept up to date instead of recounted (`train`); both learn the same merges.
- `tokenizer`: `BPETokenizer`, which encodes, decodes, and saves its merges as JSON.
- `reference`: the same training with Hugging Face `tokenizers`, to compare against.
- `commands`: `gradbook tokens train` and `gradbook tokens encode`.
"""
