"""The `gradbook` command: the book's programs, run from a terminal.

    gradbook data fetch bikes|names|shakespeare
    gradbook bikes train [--dataset PATH|NAME] [--epochs N] [--batch-size B] [--lr X]
                         [--cyclic-hour] [--out DIR] [--seed S] [--device D]
    gradbook bikes predict --hr H --temp T --hum U --windspeed W --workingday 0|1
                           [--model-dir DIR]
    gradbook gpt train [--data PATH] [--tokenizer FILE] [--preset cpu|gpu] [--max-iters N] [--out DIR]
                       [--device D] [--compile] [--resume] [--seed S] [--peak-tflops F]
        (also under torchrun: torchrun --nproc_per_node N -m gradbook.cli gpt train ...)
    gradbook gpt generate [--checkpoint DIR] --prompt TEXT [--length N]
                          [--temperature T] [--top-k K] [--seed S] [--device D]
    gradbook names train [--data PATH|names] [--steps N] [--batch-size B] [--lr X]
                         [--emb-dim E] [--hidden H] [--layers L] [--no-batchnorm]
                         [--out DIR] [--seed S]
    gradbook names sample [--checkpoint DIR] [--num N] [--temperature T] [--seed S]
    gradbook tokens train [--data PATH] [--vocab-size V] [--out FILE] [--force]
                          [--no-split] [--special [TOKEN ...]]
    gradbook tokens encode TEXT [--tokenizer FILE] [--no-allow-special]

A mistake the user can fix (a bad option, a missing file, a damaged checkpoint) is one
line on stderr and exit status 2: argparse reports the options, and every command
reports the rest by raising an error from `gradbook.errors`. Any other exception is
a bug, and keeps its traceback. The commands themselves live beside the code they
run (`gradbook.bikes.commands`, `gradbook.gpt.commands`, `gradbook.names.commands`);
this module holds only the options and the dispatch.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from gradbook.errors import GradbookError

DEFAULT_MODEL_DIR = "bikes-model"
DEFAULT_GPT_DIR = "gpt-model"
DEFAULT_NAMES_DIR = "names-model"
DEFAULT_TOKENIZER = "tokenizer.json"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's default prints the whole usage block
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _in_range(low: float, high: float, kind: type[float] | type[int] = float,
              what: str = "value") -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a {kind.__name__}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low:g} and {high:g}, "
                                             f"got {text}")
        return value
    return parse


def _positive(kind: type[float] | type[int]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gradbook", description="Programs from the Gradbook textbook.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    data = commands.add_parser("data", help="download and verify the book's data sets")
    data_cmds = data.add_subparsers(dest="action", required=True, parser_class=_Parser)
    fetch = data_cmds.add_parser("fetch", help="download a data set into the cache and verify it")
    fetch.add_argument("name", choices=["bikes", "names", "shakespeare"])

    bikes = commands.add_parser("bikes", help="Chapter 7: predict hourly bike rentals")
    bike_cmds = bikes.add_subparsers(dest="action", required=True, parser_class=_Parser)
    train = bike_cmds.add_parser("train", help="train a linear model and an MLP on hour.csv, "
                                 "compare them, and save the MLP")
    train.add_argument("--dataset", "--data", dest="dataset",
                       help="hour.csv to train on: a path, or the name of the cached data set, "
                            "bikes or hour.csv (default: the cached one)")
    train.add_argument("--epochs", type=_positive(int), default=20)
    train.add_argument("--batch-size", type=_positive(int), default=64)
    train.add_argument("--lr", type=_positive(float), default=1e-3)
    train.add_argument("--cyclic-hour", action="store_true",
                       help="represent the hour as (sin, cos) on a 24-hour circle")
    train.add_argument("--out", default=DEFAULT_MODEL_DIR, help="checkpoint folder to write")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the best available)")

    predict = bike_cmds.add_parser("predict", help="predict rentals for one hour")
    predict.add_argument("--hr", type=_in_range(0, 23, int, "--hr"), required=True)
    predict.add_argument("--temp", type=_in_range(0, 1, float, "--temp"), required=True,
                         help="temperature as hour.csv scales it, in [0, 1] (Chapter 7, 7.3)")
    predict.add_argument("--hum", type=_in_range(0, 1, float, "--hum"), required=True,
                         help="relative humidity / 100, in [0, 1]")
    predict.add_argument("--windspeed", type=_in_range(0, 1, float, "--windspeed"), required=True,
                         help="wind speed / 67, in [0, 1]")
    predict.add_argument("--workingday", type=int, choices=[0, 1], required=True)
    predict.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)

    gpt = commands.add_parser("gpt", help="Chapters 10-12: the Tiny GPT, on characters or BPE tokens")
    gpt_cmds = gpt.add_subparsers(dest="action", required=True, parser_class=_Parser)
    gtrain = gpt_cmds.add_parser("train", help="train on a text file and save checkpoints")
    gtrain.add_argument("--data", help="a UTF-8 text file (default: Tiny Shakespeare)")
    gtrain.add_argument("--preset", choices=["cpu", "gpu"], default="cpu",
                        help="model size and training settings (default: cpu)")
    gtrain.add_argument("--max-iters", type=_positive(int),
                        help="optimizer steps in all (default: the preset's); with --resume, a "
                             "larger value extends the run and stretches the cosine schedule "
                             "to the new end")
    gtrain.add_argument("--tokenizer", help="a BPE tokenizer's JSON file, from `gradbook tokens "
                        "train` (default: one token per character of the text)")
    gtrain.add_argument("--out", default=DEFAULT_GPT_DIR, help="checkpoint folder")
    gtrain.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the best available)")
    gtrain.add_argument("--compile", action="store_true", help="compile the model with torch.compile")
    gtrain.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in --out, exactly where it stopped")
    gtrain.add_argument("--seed", type=int, help="random seed (default: the preset's)")
    gtrain.add_argument("--peak-tflops", type=_positive(float),
                        help="the hardware's peak, for the MFU estimate (default: known GPU "
                             "peaks; on a CPU, a measured matmul rate)")

    gen = gpt_cmds.add_parser("generate", help="sample text from a trained checkpoint")
    gen.add_argument("--checkpoint", default=DEFAULT_GPT_DIR, help="checkpoint folder")
    gen.add_argument("--prompt", required=True, help="text to continue")
    gen.add_argument("--length", type=_positive(int), default=100,
                     help="tokens to generate: characters for a character-level model "
                          "(default: 100)")
    gen.add_argument("--temperature", type=_positive(float), default=0.8,
                     help="> 0; lower is more predictable (default: 0.8)")
    gen.add_argument("--top-k", type=_positive(int),
                     help="sample only from the K most likely tokens")
    gen.add_argument("--seed", type=int, help="random seed, for a reproducible sample")
    gen.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the best available)")

    tokens = commands.add_parser("tokens", help="Chapter 11: byte-pair encoding")
    tokens_cmds = tokens.add_subparsers(dest="action", required=True, parser_class=_Parser)
    ttrain = tokens_cmds.add_parser("train", help="learn BPE merges from a text file and save "
                                    "the tokenizer as JSON")
    ttrain.add_argument("--data", help="a UTF-8 text file (default: Tiny Shakespeare)")
    ttrain.add_argument("--vocab-size", type=_positive(int), default=512,
                        help="tokens in all: 256 bytes, the merges and the special tokens "
                             "(default: 512)")
    ttrain.add_argument("--out", default=DEFAULT_TOKENIZER, help="the JSON file to write")
    ttrain.add_argument("--force", action="store_true", help="replace --out if it exists")
    ttrain.add_argument("--no-split", action="store_true",
                        help="no pre-split: merges may cross word boundaries")
    ttrain.add_argument("--special", nargs="*", metavar="TOKEN",
                        help="special tokens, never split (default: <|endoftext|>; "
                             "--special alone: none)")
    tencode = tokens_cmds.add_parser("encode", help="print the tokens of a text")
    tencode.add_argument("text", help="the text to encode")
    tencode.add_argument("--tokenizer", default=DEFAULT_TOKENIZER, help="the tokenizer's JSON file")
    tencode.add_argument("--allow-special", action=argparse.BooleanOptionalAction, default=True,
                         help="read special-token strings as special tokens (default: yes)")

    names = commands.add_parser("names", help="Chapter 9: a language model of names, "
                                "character by character")
    names_cmds = names.add_subparsers(dest="action", required=True, parser_class=_Parser)
    ntrain = names_cmds.add_parser("train", help="train the MLP with BatchNorm on names.txt, "
                                   "print its train/dev/test loss, and save it")
    ntrain.add_argument("--data", help="a file of lowercase a-z names, one per line, or the name "
                                       "of the cached data set, names (default: the cached one)")
    # No number is repeated here: an option left out takes the chapter's target setting,
    # the defaults of MLPConfig and TrainConfig in gradbook.names.mlp.
    ntrain.add_argument("--steps", type=_positive(int), help="optimizer steps")
    ntrain.add_argument("--batch-size", type=_positive(int), help="(context, next character) pairs per step")
    ntrain.add_argument("--lr", type=_positive(float),
                        help="Adam's peak learning rate, decayed on a cosine")
    ntrain.add_argument("--block-size", type=_positive(int), help="characters of context")
    ntrain.add_argument("--emb-dim", type=_positive(int), help="embedding size per character")
    ntrain.add_argument("--hidden", type=_positive(int), help="units per hidden layer")
    ntrain.add_argument("--layers", type=_positive(int), help="hidden layers")
    ntrain.add_argument("--no-batchnorm", action="store_true", help="leave BatchNorm out")
    ntrain.add_argument("--out", default=DEFAULT_NAMES_DIR, help="checkpoint folder to write")
    ntrain.add_argument("--seed", type=int, default=0)

    nsample = names_cmds.add_parser("sample", help="sample names from a trained checkpoint")
    nsample.add_argument("--checkpoint", default=DEFAULT_NAMES_DIR, help="checkpoint folder")
    nsample.add_argument("--num", type=_positive(int), default=10, help="names to sample (default: 10)")
    nsample.add_argument("--temperature", type=_positive(float), default=1.0,
                         help="> 0; lower is more predictable (default: 1.0)")
    nsample.add_argument("--seed", type=int, help="random seed, for a reproducible sample")
    return parser


def _fetch(args: argparse.Namespace) -> None:
    from gradbook.data.fetch import fetch
    path = fetch(args.name)
    print(f"{args.name}: verified {path}")


def _bikes_train(args: argparse.Namespace) -> None:
    from gradbook.bikes.commands import train_command
    train_command(args)


def _bikes_predict(args: argparse.Namespace) -> None:
    from gradbook.bikes.commands import predict_command
    predict_command(args)


def _gpt_train(args: argparse.Namespace) -> None:
    from gradbook.gpt.commands import train_command
    train_command(args)


def _gpt_generate(args: argparse.Namespace) -> None:
    from gradbook.gpt.commands import generate_command
    generate_command(args)


def _tokens_train(args: argparse.Namespace) -> None:
    from gradbook.tokens.commands import train_command
    train_command(args)


def _tokens_encode(args: argparse.Namespace) -> None:
    from gradbook.tokens.commands import encode_command
    encode_command(args)


def _names_train(args: argparse.Namespace) -> None:
    from gradbook.names.commands import train_command
    train_command(args)


def _names_sample(args: argparse.Namespace) -> None:
    from gradbook.names.commands import sample_command
    sample_command(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status: 0 done, 2 a mistake the user can fix, 130 interrupted."""
    args = build_parser().parse_args(argv)
    handlers: dict[tuple[str, str], Callable[[argparse.Namespace], None]] = {
        ("data", "fetch"): _fetch, ("bikes", "train"): _bikes_train,
        ("bikes", "predict"): _bikes_predict, ("gpt", "train"): _gpt_train,
        ("gpt", "generate"): _gpt_generate, ("names", "train"): _names_train,
        ("names", "sample"): _names_sample, ("tokens", "train"): _tokens_train,
        ("tokens", "encode"): _tokens_encode}
    try:
        handlers[args.command, args.action](args)
    except GradbookError as exc:         # ours: the message says what to fix
        print(f"gradbook {args.command} {args.action}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
