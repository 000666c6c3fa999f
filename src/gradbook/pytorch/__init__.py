"""Chapter 6: the ideas of Chapters 1–5, written with PyTorch."""
