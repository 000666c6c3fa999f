"""How closely a fresh run of a chapter script must reproduce each figure's data.

One entry per figure in ``docs/assets/figures`` (``*.json``): a rule for every key
(``"*"``), and rules for keys that need another. A rule states its reason. The data
are stored to 6 significant digits (``gradbook.figures.DIGITS``), so no rule is
tighter than two units in the sixth digit, ``rtol=2e-5``: a value computed a hair
differently can round to the neighbouring sixth digit.

How the looser numbers were chosen: each chapter script was run here natively, with
the foreign kernels of ``make test-foreign`` (``make figure-deviations``) and with
AVX2 kernels (``ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2``), some with
more settings; a rule allows a few times the largest deviation measured, as its
reason says, and no more than the figure needs.
"""

from __future__ import annotations

from gradbook.figures.compare import Ignore, Spec, Tol


def stored(why: str) -> Tol:
    """The tightest rule: two units in the sixth stored digit (a value that rounds the
    other way passes), for numbers every machine computes alike; ``why`` says so."""
    return Tol(rtol=2e-5, atol=1e-12, why=why)


STORED = stored("float64 arithmetic, stored to 6 significant digits")

TOLERANCES: dict[str, Spec] = {
    "ch01_loss": {
        "*": stored(
            "float64 gradient descent on 4 points (numpy), losses from 41 "
            "down to 9e-16, stored to 6 digits; measured 0 natively, with AVX2 kernels "
            "and with foreign kernels; with predictions moved 1 ulp every epoch (another "
            "BLAS) at most 7e-8 relative, at the smallest losses"
        ),
    },
    "ch01_fit": {
        "*": stored(
            "the points, and w and b of float64 gradient descent at 4 "
            "epochs, stored to 6 digits; measured 0 in every environment, 2e-15 with "
            "predictions moved 1 ulp every epoch"
        ),
    },
    "ch02_tangent": {
        "*": stored(
            "a parabola, its slopes and secants: float64 arithmetic, "
            "stored to 6 digits; measured 0 in every environment"
        ),
    },
    "ch02_expression": {
        "*": stored(
            "layout columns and rows (halves of whole numbers) and the "
            "figure size: exact; the boxes' texts are compared exactly; measured 0 "
            "in every environment"
        ),
    },
    "ch02_tanh": {
        "*": stored(
            "numpy's float64 tanh on a grid of 161 points, its slope, and "
            "math.tanh at one point, stored to 6 digits; SIMD and scalar tanh may "
            "differ by an ulp, far below the sixth digit; measured 0 natively, "
            "with AVX2 kernels and with foreign kernels"
        ),
    },
    "ch02_mlp_forward": {
        "*": stored(
            "one forward pass of MLP(3, [4, 4, 1]) in pure Python floats "
            "(seeded weights, math.tanh; no BLAS, no threads), stored to 6 digits; "
            "measured 0 natively, with AVX2 kernels and with foreign kernels"
        ),
    },
    "ch02_mlp_backward": {
        "*": stored(
            "the same pass and one backward() in pure Python floats, "
            "gradients stored to 6 digits (atol 1e-12 covers the smallest); "
            "measured 0 natively, with AVX2 kernels and with foreign kernels"
        ),
    },
    "ch03_moons": {
        "*": stored(
            "the moons: float64 sin/cos (libm) plus numpy's seeded normal "
            "noise, stored to 6 digits; labels exact; measured 0 natively, with AVX2 "
            "kernels and with foreign kernels"
        ),
    },
    "ch03_training": {
        "*": stored(
            "100 steps of MLP(2, [16, 32, 1]) training in pure Python floats "
            "(no BLAS, no threads): bit for bit the same in every environment measured "
            "(native, AVX2, foreign kernels); with the moons moved 1 to 4 ulp (another "
            "libm) the losses move 4e-15 relative"
        ),
        "accuracies": stored(
            "hundredths: no training score came closer than 2.8e-4 to "
            "0 in any step, against measured drifts of 1e-14, so no point "
            "changes side; measured 0 in every environment"
        ),
    },
    "ch03_boundary": {
        "*": stored(
            "scores of the trained scalar MLP(2, [16, 32, 1]) on a 60 x 60 "
            "grid (|score| 9e-4 to 10), the grid, the training and test moons and "
            "the accuracies, stored to 6 digits; measured 0 natively, with AVX2 "
            "kernels and with foreign kernels; with the moons moved 1 to 4 ulp at "
            "most 1.1e-14 (4e-12 relative); no test score within 0.13 of 0"
        ),
    },
    "ch04_graph_sizes": {
        "*": stored(
            "integer node counts of the two engines' graphs: exact; "
            "measured 0 natively, with AVX2 kernels and with foreign kernels"
        ),
    },
    "ch04_broadcast": {
        "*": stored(
            "small whole numbers (a bias, its copies, a gradient and its "
            "column sums), exact in float32; measured 0 in every environment"
        ),
    },
    "ch04_relu_mask": {
        "*": stored(
            "float32 draws of numpy's seeded generator and the ReLU "
            "gradient (a copy or exactly 0), stored to 6 digits; measured 0 natively, "
            "with AVX2 kernels and with foreign kernels"
        ),
    },
    "ch05_digits": {
        "*": stored(
            "whole-number grey levels (0 to 16) and labels of the data set: "
            "exact; measured 0 in every environment"
        ),
    },
    "ch05_optimizers": {
        "*": stored(
            "moving averages of losses from float64 training (340 steps "
            "per optimizer, numpy matmuls), stored to 6 digits; measured 0 natively, "
            "with AVX2 kernels and with foreign kernels (one thread)"
        ),
    },
    "ch05_validation": {
        "*": stored("names, the 95% threshold and the number of validation images: exact"),
        "validation_accuracy": Tol(
            rtol=0,
            atol=0.006,
            why=(
                "shares of 359 validation images classified right after each epoch of float32 "
                "training (MLP 680 steps, CNN 680 steps with BatchNorm): measured 0 natively, "
                "with foreign kernels (one thread), with AVX2 kernels and with OpenBLAS's "
                "Prescott kernels; a count moves in steps of 1/359 = 0.0028 when an image near "
                "its decision boundary flips, so two images per epoch are allowed (0.006)"
            ),
        ),
    },
    "ch06_curve": {
        "*": STORED,
        "y": Tol(1e-5, 1e-6, "float32 squares of a float32 linspace; measured 1e-7"),
        "line": Tol(1e-4, 1e-6, "float32 training, 500 Adam steps; measured 0"),
        "curve": Tol(1e-4, 1e-5, "float32 training, 500 Adam steps, 32 ReLUs; measured 1e-6"),
        "line_losses": Tol(1e-5, 1e-6, "float32 losses near 0.09; measured 1e-7"),
        "curve_losses": Tol(1e-4, 1e-7, "float32 losses falling to 1e-5; measured 1e-8, 9e-6 relative"),
    },
    "ch06_memory": {
        "*": stored(
            "numpy float64 sessions (seeded draws), the noise-free rule, and the "
            "predictions of a float64 line (100 gradient steps) and a float64 "
            "[2, 16, 1] network (300 Adam steps) on standardised data, stored to 6 "
            "digits; measured 0 natively, with AVX2 kernels and with foreign "
            "kernels; inputs moved by 1-3 ulp move the predictions by 3e-15 relative"
        ),
    },
    "ch06_xor": {
        "*": STORED,
        "probability": Tol(
            0,
            1e-2,
            "sigmoid of a float32 network trained 500 steps, in "
            "absolute terms (values span 1e-9 to 1); measured 1.9e-3",
        ),
    },
    "ch07_hourly": {
        "*": stored(
            "hourly means (to 2 decimals) and quartiles of whole-number "
            "rental counts from the CSV: float64, exact sums; measured 0 natively, with "
            "AVX2 kernels and with foreign kernels"
        ),
    },
    "ch07_losses": {
        "*": STORED,
        "train": Tol(
            0,
            4e-3,
            "epoch-mean training MSE (0.19 to 0.80) of float32 PyTorch "
            "training on the 70% training split, 20 epochs of Adam; the MLP's moves "
            "with the kernels: measured 9.7e-4 (foreign kernels, one thread), "
            "1.7e-4 (AVX2, one thread)",
        ),
        "val": Tol(
            0,
            6e-3,
            "validation MSE (0.17 to 0.70) after each epoch of the same "
            "float32 training: measured 1.7e-3 (foreign kernels, one thread), "
            "1.1e-3 (AVX2, one thread)",
        ),
    },
    "ch07_predictions": {
        "*": STORED,
        "predicted[0]": Tol(
            1e-4,
            1e-2,
            "the linear model's predictions (0 to 450 bikes) for "
            "validation hours, float32 training of a convex model: measured "
            "1e-3 bikes, units of the stored 6th digit, under foreign kernels",
        ),
        "predicted[1]": Tol(
            0,
            50,
            "the MLP's predictions (0 to 900 bikes) for validation "
            "hours after 20 epochs of float32 Adam, which amplify the kernels' "
            "differences; in bikes: measured 16.8 (foreign kernels, one "
            "thread; 99th percentile 12), 10.2 (AVX2, one thread); 1 bike is "
            "0.24 pt in the drawing",
        ),
        "val_rmse": Tol(
            0,
            0.3,
            "validation RMSE in bikes per hour (75 and 144), printed "
            "to whole bikes in the titles: the MLP's measured 0.063 (AVX2, one "
            "thread), 0.015 (foreign kernels, one thread)",
        ),
    },
    "ch08_epochs": {
        "*": stored(
            "batch numbers from a seeded shuffle (numpy's integer "
            "generator) and the batch size: exact; measured 0 in every environment"
        ),
    },
    "ch08_batch_means": {
        "*": stored(
            "means of whole-number rental counts and working-day flags "
            "over batches of 64 hours (float64, exact sums), stored to 6 digits; "
            "measured 0 natively, with AVX2 kernels and with foreign kernels"
        ),
    },
    "ch09_names_bigram_counts": {
        "*": stored("whole-number bigram counts of the training names and the vocabulary: exact"),
    },
    "ch09_names_lr_range": {
        "*": stored("the rates (float64 Python arithmetic) and the chosen rate: measured 0"),
        "losses": Ignore(
            "mini-batch losses of a float32 SGD run whose rate explodes above 1: another "
            "kernel or thread count diverges differently; measured up to 89 (AVX2) in the "
            "exploding part; compared through 'loss_near_chosen'"
        ),
        "smoothed": Ignore(
            "running mean of 'losses', as chaotic in the exploding part (measured up to 11); "
            "compared through 'loss_near_chosen'"
        ),
        "loss_near_chosen": Tol(
            0,
            0.05,
            "running-mean loss at the chosen rate 0.1 (about 2.4), step 500 of the float32 "
            "range test: measured 0 with foreign kernels and with AVX2 kernels; 0.05 allows "
            "another CPU's drift while still placing the curve's bottom",
        ),
    },
    "ch09_names_embeddings": {
        "*": stored("the vocabulary: exact"),
        "points": Ignore(
            "2-D embeddings after 3,000 float32 Adam steps: measured up to 1e-5 here, but "
            "training amplifies any last-bit difference and another CPU may rotate or move "
            "the points; compared through 'dev_loss' and 'vowel_spread'"
        ),
        "dev_loss": Tol(
            0,
            0.03,
            "dev loss of the 2-D model (2.36 nats/char): measured 0 with foreign and AVX2 "
            "kernels; 0.03 is the run-to-run spread of such a short float32 training",
        ),
        "vowel_spread": Tol(
            0,
            0.1,
            "mean distance between vowels over mean distance between all characters: "
            "measured 0 with foreign and AVX2 kernels; 0.1 keeps the claim that the vowels "
            "cluster (well below 1)",
        ),
    },
    "ch09_names_activations": {
        "*": Tol(
            2e-4,
            1e-6,
            "step-0 statistics of a freshly initialised float32 model (seeded "
            "torch.Generator, exact draws): losses, saturated shares, stds; measured up to "
            "3.3e-5 relative (foreign kernels); allowed about 6x; bin edges exact",
        ),
        "activations": Tol(
            0,
            1e-4,
            "share of 51,200 tanh outputs per bin: a value next to a bin edge can change bin "
            "under another kernel; measured up to 2e-5 (one value) with foreign kernels; "
            "allowed 5 values",
        ),
    },
    "ch09_names_gradients": {
        "*": Tol(
            2e-4,
            1e-6,
            "step-0 statistics and the bin edges (from the largest float32 gradient): "
            "measured up to 4.6e-5 relative (foreign kernels); allowed about 4x",
        ),
        "gradients": Tol(
            0,
            5e-4,
            "share of 51,200 float32 gradients per bin: values near a bin edge change bin "
            "when the edges or gradients move by an ulp; measured up to 1.2e-4 (six values) "
            "with foreign kernels, 3.9e-5 with AVX2; allowed about 4x",
        ),
    },
    "ch09_names_update_ratios": {
        "*": stored("the matrices' names: exact"),
        "ratios": Ignore(
            "log10 update-to-data ratio of every step of two 500-step float32 SGD runs, one "
            "of them badly initialised: other kernels train differently; measured up to "
            "0.83 (AVX2); compared through 'late_mean'"
        ),
        "late_mean": Tol(
            0,
            0.25,
            "each matrix's ratio averaged over the last 100 steps (about -3.5 to -1.7): "
            "measured up to 0.026 (foreign kernels) and 0.067 (AVX2); allowed almost 4x, "
            "still far less than the gap between before and after the fixes",
        ),
    },
    "ch10_attention_weights": {
        "*": stored("the line of text and the block numbers: exact"),
        "weights": Ignore(
            "each head's weights in the model trained 300 steps (float32): "
            "another kernel or thread count (AVX2, generic kernels, one thread "
            "instead of two) trains a different model whose heads take other "
            "roles; measured up to 1.0, the whole range; compared through "
            "'sharpness'"
        ),
        "sharpness": Tol(
            0,
            0.25,
            "each row's largest weight averaged over rows and heads, "
            "per shown block (0.26 and 0.70 here): measured up to 0.027 (first "
            "block) and 0.081 (last) over five other kernel and thread settings; "
            "3x that still keeps the first block broad and the last selective",
        ),
    },
    "ch10_temperature": {
        "*": stored("prompt, vocabulary, temperatures and k: exact"),
        "probabilities": Ignore(
            "each character's probability under the model trained 300 "
            "steps (float32): other kernels or thread counts train a "
            "different model; measured up to 0.14 (the likeliest at "
            "temperature 0.5) and factors of 3 for unlikely characters; "
            "compared through 'entropies'"
        ),
        "top_k_probabilities": Ignore(
            "which five characters top-k keeps is a top-k set, "
            "which changes when the fifth and sixth are nearly "
            "tied; compared through 'top_k_kept'"
        ),
        "entropies": Tol(
            0,
            0.45,
            "entropy in nats of the distribution at each temperature "
            "(0.96, 1.70, 2.99 here), from the model trained 300 steps: measured "
            "up to 0.15 (temperature 0.5) over five other kernel and thread "
            "settings; allowed 3x, less than the gap between temperatures",
        ),
        "top_k_kept": Tol(
            0,
            0.2,
            "the five probabilities top-k keeps, sorted (0.45 down to "
            "0.06), from the model trained 300 steps: measured up to 0.062 over "
            "five other kernel and thread settings; allowed 3x",
        ),
    },
    "ch10_lr_schedule": {
        "*": stored(
            "the cpu preset's learning rate at each step: float64 Python "
            "arithmetic (math.cos), stored to 6 digits, two units in the sixth digit "
            "allowed for another libm; measured 0 natively, with AVX2 kernels and with "
            "foreign kernels"
        ),
    },
    "ch11_utf8_bytes": {
        "*": stored(
            "the sample sentences and whole-number counts of their characters and "
            "UTF-8 bytes (Python's str.encode): exact on every machine"
        ),
    },
    "ch11_merge_steps": {
        "*": stored(
            "the tokens of a short text after each merge, the merged pairs and their "
            "whole-number counts: integer counting with a deterministic tie rule, exact"
        ),
    },
    "ch11_vocab_compression": {
        "*": stored(
            "vocabulary sizes and text lengths (whole numbers), and characters per "
            "token, a ratio of two whole-number counts from deterministic BPE training "
            "and encoding (integer arithmetic, no floating point before the division), "
            "stored to 6 digits"
        ),
    },
    "ch12_precision": {
        "*": stored(
            "magnitudes (numpy's logspace) and each format's largest "
            "relative rounding error there (exact float64 gaps from torch.nextafter), "
            "stored to 6 digits, two units in the sixth digit allowed for another "
            "libm; float16's thresholds exact; overflow stored as null and compared "
            "exactly; measured 0 natively, with AVX2 kernels and with foreign kernels"
        ),
    },
    "ch12_flops_split": {
        "*": stored(
            "attention's share of the FLOPs per token, ratios of whole "
            "numbers (parameter counts, layers, widths, block sizes) in float64, stored "
            "to 6 digits; measured 0 natively, with AVX2 kernels and with foreign "
            "kernels"
        ),
    },
}

__all__ = ["TOLERANCES", "Ignore", "Tol"]
