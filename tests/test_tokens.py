"""Chapter 11's byte-level BPE: properties on any Unicode text, the two trainers, files,
the command line, and agreement with Hugging Face `tokenizers`."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradbook.cli import main
from gradbook.data.text import load_text
from gradbook.errors import TokenizerError
from gradbook.tokens.pretokenize import GPT2_PATTERN, split_text
from gradbook.tokens.tokenizer import END_OF_TEXT, BPETokenizer
from gradbook.tokens.train import merge, pair_counts, train, train_naive
from tests.helpers import ROOT

# Text from many scripts: emoji (one with a skin tone and a joiner), combining marks,
# right-to-left Arabic and Hebrew, CJK, control characters, digits and odd spaces.
MIXED = (
    "Hello, world! It's 2026: 3.14159 and 1,000,000.\n"
    "naïve café, e\u0301 (e + combining acute), Z\u0327\u0301alg\u0337o\n"
    "emoji: 🙂 👍🏽 👩\u200d💻 🇫🇷\n"
    "العربية من اليمين إلى اليسار, עברית\n"
    "日本語のテキスト, 中文文本, 한국어\n"
    "tabs\tand\r\ncontrol \x00\x07\x1b bytes, non\u00a0breaking\u2003space\n"
)
CORPUS = MIXED * 3 + "the cat sat on the mat. " * 20

# Arbitrary Unicode text (hypothesis leaves out lone surrogates, which UTF-8 cannot hold),
# with the hard cases above mixed in.
texts = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(sorted(set(MIXED)))),
    st.sampled_from(["", " ", "\n\n", MIXED, END_OF_TEXT, "a" * 40]),
)


@pytest.fixture(scope="module")
def corpus_tok() -> BPETokenizer:
    return BPETokenizer.train(CORPUS, 400, special_tokens=[END_OF_TEXT])


@pytest.fixture(scope="module")
def shakespeare() -> str:
    return load_text()


# --- the building blocks -------------------------------------------------------------


def test_merge_reads_left_to_right() -> None:
    assert merge([1, 1, 1], (1, 1), 9) == [9, 1]
    assert merge([1, 1, 1, 1], (1, 1), 9) == [9, 9]
    assert merge([1, 2, 3, 1, 2], (1, 2), 7) == [7, 3, 7]
    assert merge([], (1, 2), 7) == []
    assert pair_counts([1, 2, 1, 2]) == Counter({(1, 2): 2, (2, 1): 1})


def test_gpt2_split_keeps_spaces_with_the_following_word() -> None:
    assert split_text("Hello world's  end 42!!") == ["Hello", " world", "'s", " ", " end", " 42", "!!"]
    assert split_text("") == [] and split_text("", None) == []
    assert split_text("a b", None) == ["a b"]


@given(text=texts)
def test_split_gives_the_text_back(text: str) -> None:
    assert "".join(split_text(text)) == text


def test_a_pattern_that_skips_text_loses_nothing() -> None:
    assert split_text("ab, cd", r"[a-z]+") == ["ab", ", ", "cd"]


# --- properties of the tokenizer --------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_decode_inverts_encode(corpus_tok: BPETokenizer, text: str) -> None:
    ids = corpus_tok.encode(text)
    assert corpus_tok.decode(ids) == text
    assert corpus_tok.encode(text) == ids  # deterministic
    assert all(0 <= i < corpus_tok.vocab_size for i in ids)


@settings(max_examples=60, deadline=None)
@given(text=texts, vocab_size=st.integers(257, 300))
def test_trained_on_a_text_it_encodes_that_text(text: str, vocab_size: int) -> None:
    tok = BPETokenizer.train(text, vocab_size, special_tokens=[END_OF_TEXT])
    ids = tok.encode(text)
    assert all(0 <= i < tok.vocab_size <= vocab_size for i in ids)
    assert tok.decode(ids) == text
    assert len(ids) <= max(len(text.encode("utf-8")), 1)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_id_sequence_decodes_without_a_crash(corpus_tok: BPETokenizer, data: st.DataObject) -> None:
    ids = data.draw(st.lists(st.integers(0, corpus_tok.vocab_size - 1), max_size=30))
    raw = b"".join(corpus_tok.decode_bytes([i]) for i in ids)
    assert corpus_tok.decode(ids) == raw.decode("utf-8", errors="replace")


def test_broken_utf8_becomes_the_replacement_character(corpus_tok: BPETokenizer) -> None:
    emoji = corpus_tok.encode("🙂")
    assert corpus_tok.decode(emoji[:1]) == "\ufffd"
    assert corpus_tok.decode(emoji[:1] + corpus_tok.encode("a")) == "\ufffda"


def test_an_id_outside_the_vocabulary_is_an_error(corpus_tok: BPETokenizer) -> None:
    for bad in (corpus_tok.vocab_size, -1):
        with pytest.raises(TokenizerError, match="not in the vocabulary"):
            corpus_tok.decode([bad])


def test_the_end_of_text_token_is_never_split(corpus_tok: BPETokenizer) -> None:
    eot = corpus_tok.special_tokens[END_OF_TEXT]
    assert eot == corpus_tok.vocab_size - 1
    ids = corpus_tok.encode(f"the cat{END_OF_TEXT}the mat")
    assert ids.count(eot) == 1 and corpus_tok.decode(ids) == f"the cat{END_OF_TEXT}the mat"
    plain = corpus_tok.encode(END_OF_TEXT, allow_special=False)
    assert eot not in plain and corpus_tok.decode(plain) == END_OF_TEXT


def test_training_never_merges_into_a_special_token() -> None:
    tok = BPETokenizer.train(f"hello{END_OF_TEXT}" * 50, 300, special_tokens=[END_OF_TEXT])
    for token in tok.vocab[256:]:
        assert b"<|" not in token and b"|>" not in token and b"o<" not in token


def test_encoding_the_training_text_gives_the_segmentation_training_ended_with() -> None:
    """Applying the merges by rank, chunk by chunk, is the same as training's merges in order."""
    tok = BPETokenizer.train(CORPUS, 380)
    chunks = [list(c.encode("utf-8")) for c in split_text(CORPUS)]
    for k, pair in enumerate(tok.merges):
        chunks = [merge(ids, pair, 256 + k) for ids in chunks]
    assert tok.encode(CORPUS) == [i for ids in chunks for i in ids]


def _encode_by_scanning(tok: BPETokenizer, ids: list[int]) -> list[int]:
    """The merges applied one rank at a time, as `encode_chunk` does for a short chunk."""
    while len(ids) >= 2:
        pair = min(zip(ids, ids[1:]), key=lambda p: tok.ranks.get(p, len(tok.ranks)))
        if pair not in tok.ranks:
            break
        ids = merge(ids, pair, 256 + tok.ranks[pair])
    return ids


@settings(max_examples=60, deadline=None)
@given(text=texts, repeat=st.integers(1, 30))
def test_a_long_chunk_is_encoded_as_a_short_one_would_be(text: str, repeat: int) -> None:
    tok = BPETokenizer.train(CORPUS + text, 420, pattern=None)
    ids = list((text * repeat + CORPUS[: len(text)]).encode("utf-8"))
    assert tok._encode_long(list(ids)) == _encode_by_scanning(tok, ids)


def test_without_a_pre_split_encoding_also_gives_training_s_segmentation() -> None:
    tok = BPETokenizer.train(CORPUS, 380, pattern=None)
    ids = list(CORPUS.encode("utf-8"))
    for k, pair in enumerate(tok.merges):
        ids = merge(ids, pair, 256 + k)
    assert len(CORPUS.encode("utf-8")) > 256 and tok.encode(CORPUS) == ids


def test_a_merge_shortens_the_text_by_its_count_unless_the_pair_overlaps_itself() -> None:
    """`aaa` holds the pair (a, a) twice, but one merge makes it `Xa`: one token shorter."""
    counts: list[int] = []
    text = "the cat sat on the mat. " * 20
    tok = BPETokenizer.train(text, 300, on_merge=lambda k, pair, n: counts.append(n))
    assert all(a != b for a, b in tok.merges)  # no pair of a token with itself here
    assert len(tok.encode(text)) == len(text.encode("utf-8")) - sum(counts)
    assert train_naive("aaa", 257, None) == [(97, 97)]
    assert BPETokenizer.train("aaa", 257, None).encode("aaa") == [256, 97]


# --- the two trainers ---------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(text=texts, vocab_size=st.integers(256, 320), split=st.booleans())
def test_fast_and_naive_trainers_learn_the_same_merges(text: str, vocab_size: int, split: bool) -> None:
    pattern = GPT2_PATTERN if split else None
    assert train(text, vocab_size, pattern) == train_naive(text, vocab_size, pattern)


def test_fast_and_naive_agree_on_shakespeare(shakespeare: str) -> None:
    text = shakespeare[:12_000]
    assert train(text, 420, special_tokens=[END_OF_TEXT]) == train_naive(
        text, 420, special_tokens=[END_OF_TEXT]
    )


def test_training_stops_when_no_pair_is_left() -> None:
    tok = BPETokenizer.train("abab", 1000, pattern=None)
    assert tok.merges == [(97, 98), (256, 256)] and tok.vocab_size == 258
    assert tok.encode("abab") == [257]


@pytest.mark.parametrize("vocab_size", [0, 255, 256.5])
def test_a_vocabulary_too_small_is_an_error(vocab_size: float) -> None:
    with pytest.raises(TokenizerError, match="at least 257"):
        BPETokenizer.train("abc", vocab_size, special_tokens=[END_OF_TEXT])  # type: ignore[arg-type]


# --- the file --------------------------------------------------------------------------------


def test_save_and_load_give_the_same_tokenizer(corpus_tok: BPETokenizer, tmp_path: Path) -> None:
    path = corpus_tok.save(tmp_path / "tok.json")
    assert [p.name for p in tmp_path.iterdir()] == ["tok.json"]  # no temporary file left
    d = json.loads(path.read_text(encoding="utf-8"))
    assert d["format"] == "gradbook-bpe/1" and d["pattern"] == GPT2_PATTERN
    loaded = BPETokenizer.load(path)
    assert loaded.merges == corpus_tok.merges and loaded.special_tokens == corpus_tok.special_tokens
    assert loaded.encode(MIXED + END_OF_TEXT) == corpus_tok.encode(MIXED + END_OF_TEXT)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "not a BPE tokenizer"),
        ('{"format": "gradbook-bpe/1", "pattern": null, "merges": [[1, 2, 3]]}', "pairs"),
        ('{"format": "gradbook-bpe/1", "pattern": null, "merges": [[1, 256]]}', "does not exist yet"),
        ('{"format": "gradbook-bpe/1", "pattern": null, "merges": [[1, 2], [1, 2]]}', "repeat"),
        ('{"format": "gradbook-bpe/1", "pattern": "(", "merges": []}', "does not compile"),
        (
            '{"format": "gradbook-bpe/1", "pattern": null, "merges": [], "special_tokens": {"x": 3}}',
            "follow the merges",
        ),
    ],
)
def test_a_damaged_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "tok.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TokenizerError, match=message):
        BPETokenizer.load(path)


def test_a_missing_file_or_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TokenizerError, match="no such file"):
        BPETokenizer.load(tmp_path / "none.json")
    with pytest.raises(TokenizerError, match="is a folder"):
        BPETokenizer.load(tmp_path)


# --- the command line ---------------------------------------------------------------------------


def test_tokens_train_and_encode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "text.txt"
    data.write_text(CORPUS, encoding="utf-8")
    out = tmp_path / "tok.json"
    assert main(["tokens", "train", "--data", str(data), "--vocab-size", "300", "--out", str(out)]) == 0
    assert "43 merges" in capsys.readouterr().out
    assert BPETokenizer.load(out).vocab_size == 300
    saved = out.read_bytes()
    # nothing saved is lost: the file is kept unless --force
    assert main(["tokens", "train", "--data", str(data), "--vocab-size", "280", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == saved
    assert main(["tokens", "encode", "--tokenizer", str(out), "the cat"]) == 0
    ids_line, tokens_line = capsys.readouterr().out.splitlines()
    assert BPETokenizer.load(out).decode(int(i) for i in ids_line.split()) == "the cat"
    assert tokens_line.startswith("['") and tokens_line.endswith("']")


@pytest.mark.parametrize(
    "argv",
    [
        ["tokens", "train", "--vocab-size", "100", "--out", "{tmp}/t.json"],
        ["tokens", "train", "--vocab-size", "-3", "--out", "{tmp}/t.json"],
        ["tokens", "train", "--out", "{tmp}"],
        ["tokens", "train", "--data", "{tmp}/missing.txt", "--out", "{tmp}/t.json"],
        ["tokens", "encode", "--tokenizer", "{tmp}/missing.json", "hi"],
        ["tokens", "encode", "--tokenizer", "{tmp}/missing.json", ""],
    ],
)
def test_tokens_bad_input_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    try:
        status = main([a.format(tmp=tmp_path) for a in argv])
    except SystemExit as exc:  # argparse's own checks exit directly
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err and "Traceback" not in err
    assert not (tmp_path / "t.json").exists()


# --- side by side with Hugging Face tokenizers ---------------------------------------------------


# Characters assigned in the Unicode version Python's `unicodedata` knows: `regex` and
# `tokenizers` each carry their own tables, of other versions, and a character assigned
# between them (U+3D000 is a letter to `regex` 2026.11, unassigned to Python 3.11) can be
# a letter to one and unassigned to the other.
assigned_texts = st.one_of(
    texts.filter(lambda t: all(unicodedata.category(c) != "Cn" for c in t)),
    st.text(st.characters(exclude_categories=["Cn", "Cs"])),
)


@settings(max_examples=200, deadline=None)
@given(text=assigned_texts)
def test_our_pre_split_is_that_of_tokenizers(text: str) -> None:
    from gradbook.tokens.reference import hf_split

    assert split_text(text) == hf_split(text)


def test_our_merges_are_those_of_tokenizers(shakespeare: str) -> None:
    """The same merges, up to the order of pairs that are equally frequent (the two break
    ties differently), and so the same number of tokens."""
    from gradbook.tokens.reference import hf_merges_as_bytes, hf_train, our_merges_as_bytes

    text = shakespeare[:200_000]
    ours = BPETokenizer.train(text, 1024, special_tokens=[END_OF_TEXT])
    theirs = hf_train(text, 1024, special_tokens=[END_OF_TEXT])
    a, b = our_merges_as_bytes(ours), hf_merges_as_bytes(theirs)
    assert len(a) == len(b) == 1024 - 257
    shared = len(set(a) & set(b)) / len(a)
    assert shared > 0.98, shared
    n_ours, n_theirs = len(ours.encode(text)), len(theirs.encode(text).ids)
    assert abs(n_ours - n_theirs) / n_theirs < 0.005
    assert theirs.decode(theirs.encode(MIXED).ids) == MIXED == ours.decode(ours.encode(MIXED))


def test_what_chapter_11_says_of_the_benchmark() -> None:
    """Sections 11.4 and 11.8 read the recorded table: the fast trainer in a small fraction
    of the naive one's time and 4,096 tokens in seconds (under a minute, with or without
    the pre-split); training about as long as `tokenizers` (within a factor of two);
    encoding one call faster than `tokenizers` at both sizes."""
    results = json.loads((ROOT / "benchmarks" / "results" / "bench_ch11_tokens.json").read_text())
    rows = {(r["tokenizer"], r["vocab"]): r for r in results["rows"]}

    def seconds(name: str, vocab: str, column: str = "train_s") -> float:
        return float(rows[name, vocab][column])

    assert seconds("ours, naive trainer", "512") > 10 * seconds("ours, fast trainer", "512")
    for vocab in ("512", "4,096"):
        ratio = seconds("ours (gradbook.tokens)", vocab) / seconds("Hugging Face tokenizers", vocab)
        assert 0.5 < ratio < 2, (vocab, ratio)
        assert seconds("ours (gradbook.tokens)", vocab, "encode_s") < seconds(
            "Hugging Face tokenizers", vocab, "encode_s"
        )
    assert seconds("ours (gradbook.tokens)", "4,096") < 60 and seconds("ours, no pre-split", "4,096") < 60
