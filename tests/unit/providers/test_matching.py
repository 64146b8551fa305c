from mantis.brains.providers.matching import (
    THRESHOLD,
    canonical,
    contains_text,
    find_phrase,
    normalize,
    similarity,
)
from mantis.brains.providers.ocr import Word, group_lines


def _line_words(text, left, top, height=20, block=1):
    words, x = [], left
    for token in text.split():
        width = 12 * len(token)
        words.append(Word(token, x, top, width, height, 95.0, block, 1, 1))
        x += width + 8
    return words


def test_normalize_ignores_case_and_punctuation():
    assert normalize("  Sign-In:  ") == "sign in"
    assert normalize("first_name") == "first name"
    assert normalize("$14,500") == "$14 500"


def test_canonical_folds_ocr_lookalikes():
    assert canonical("Emai1") == canonical("Email")
    assert canonical("C0MPANY") == canonical("company")
    assert canonical("Confirrn") == canonical("Confirm")


def test_similarity_ranks_exact_over_lookalike_over_typo():
    assert similarity("Sign in", "sign in!") == 1.0
    assert similarity("Sign ln", "Sign in") == 0.97
    assert THRESHOLD <= similarity("Signin", "Sign in")
    assert THRESHOLD <= similarity("Passwurd", "Password") < 0.97
    assert similarity("Cancel", "Submit") < THRESHOLD
    assert similarity("OK", "On") == 0.0


def test_whole_line_caption_beats_the_same_words_inside_a_heading():
    lines = group_lines(
        _line_words("Sign in to Acme Motors", 100, 40, height=32, block=1)
        + _line_words("Sign in", 100, 300, block=2)
    )
    best = find_phrase(lines, "Sign in", partial_penalty=0.25)[0]
    assert best.box.y == 300 and best.coverage == 1.0


def test_ties_go_to_larger_text_then_top_to_bottom():
    lines = group_lines(
        _line_words("Total", 100, 400, block=1)
        + _line_words("Total", 100, 200, block=2)
        + _line_words("Total", 600, 100, height=30, block=3)
    )
    assert [m.box.y for m in find_phrase(lines, "total")] == [100, 200, 400]


def test_phrase_wrapping_onto_two_lines_is_contained():
    lines = group_lines(
        _line_words("Your inquiry was", 100, 100, block=1)
        + _line_words("received today", 100, 130, block=2)
    )
    assert not find_phrase(lines, "inquiry was received")
    assert contains_text(lines, "inquiry was received")
