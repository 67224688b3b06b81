"""Word matching for banned and suspect words: evasion it sees through, innocent words it leaves alone.

Pure unit tests of widget.wordmatch: no app, no database.
"""
import random

import pytest

from widget.wordmatch import (
    CANDIDATE_CACHE, ENTRY_MAX, WordMatcher, candidate_words, compile_words, fold, split_candidates, valid_entry,
)

ZWSP, ZWNJ, ZWJ, WORD_JOINER, SOFT_HYPHEN = "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad"


def finds(entries, text):
    return compile_words(tuple(entries)).find(text)


# --- what it catches ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry, text",
    [
        # Case and Unicode normalisation.
        ("idiot", "IDIOT"),
        ("idiot", "You IDIOT!"),
        ("idiot", "Idiot."),
        ("idiot", "ＩＤＩＯＴ"),  # fullwidth
        ("idiot", "ｉｄｉｏｔ"),
        ("idiot", "𝐢𝐝𝐢𝐨𝐭"),  # mathematical bold
        ("idiot", "ⓘⓓⓘⓞⓣ"),  # circled
        # Diacritics.
        ("idiot", "ìdíöt"),
        ("idiot", "ÍDÏÖT"),
        ("idiot", "i\u0336d\u0336i\u0336o\u0336t\u0336"),  # combining strike-through
        # A Latin word typed with Cyrillic look-alikes (а е о р с і).
        ("idiot", "іdіоt"),
        ("moron", "mоrоn"),
        ("creep", "сrеер"),
        ("ass", "аss"),
        ("idiot", "You are an іdіоt"),
        # A Russian word typed with Latin look-alikes, and in capitals.
        ("дурак", "дуpак"),
        ("дурак", "дурaк"),  # Latin a
        ("дурак", "ДУРАК"),
        ("дурак", "ДУPАК"),
        ("дурак", "Дурак!"),
        # Greek look-alikes.
        ("idiot", "ιdιοt"),
        ("moron", "mοrοn"),
        ("ass", "αss"),
        # Invisible characters inside the word.
        ("idiot", f"id{ZWSP}iot"),
        ("idiot", f"i{ZWNJ}d{ZWJ}i{ZWSP}o{WORD_JOINER}t"),
        ("idiot", f"idi{SOFT_HYPHEN}ot"),
        ("дурак", f"ду{ZWSP}рак"),
        # Separators inside a word.
        ("idiot", "i.d.i.o.t"),
        ("idiot", "I.D.I.O.T."),
        ("idiot", "i d i o t"),
        ("idiot", "i-d-i-o-t"),
        ("idiot", "i/d/i/o/t"),
        ("idiot", "i..d..i..o..t"),
        ("idiot", "id-iot"),
        ("idiot", "id*iot"),
        ("idiot", "id.i.ot"),
        ("idiot", "i_d_i_o_t"),
        ("idiot", "_idiot_"),
        ("idiot", "**idiot**"),
        ("дурак", "д у р а к"),
        ("дурак", "ду-рак"),
        # A spaced word inside a sentence.
        ("moron", "what a m o r o n"),
        ("moron", "what a m o r o n he is"),
        ("idiot", "you are an i d i o t, really"),
        # Prefix entries.
        ("idiot*", "idiot"),
        ("idiot*", "idiots"),
        ("idiot*", "IDIOTIC"),
        ("idiot*", "Such idiocy? No: idiotically."),
        ("idiot*", "іdіоts"),
        ("idiot*", "i d i o t s"),
        ("кот*", "котик"),
        ("дурак*", "дураки"),
    ],
)
def test_matches(entry, text):
    assert finds([entry], text) == [entry]


def test_an_underscore_glues_word_parts_like_other_punctuation():
    """"id-iot" and "id*iot" match; "_" splits words just the same, so "id_iot" must match too.

    (Single letters around underscores, "i_d_i_o_t", are covered above.)
    """
    assert finds(["idiot"], "id_iot") == ["idiot"]
    assert finds(["idiot"], "you id_iot") == ["idiot"]


@pytest.mark.parametrize(
    "entry, text",
    [
        # Unicode's confusables data maps the capitals Т, М, Н, К, В (Cyrillic) and Τ, Κ (Greek) to
        # Latin letters, but fold() casefolds first, and their small forms have no Latin look-alike.
        ("idiot", "IDIOТ"),  # Cyrillic capital Т
        ("idiot", "ІDІОТ"),  # all Cyrillic capitals
        ("idiot", "ΙDΙΟΤ"),  # all Greek capitals
        ("moron", "МОRОN"),  # Cyrillic capitals М and О
        # The other way: a Russian list word typed in Latin capitals that look the same.
        ("кот", "KOT"),
        ("хам", "XAM"),
    ],
)
def test_capital_look_alikes(entry, text):
    assert finds([entry], text) == [entry]


# --- what it leaves alone -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entries, text",
    [
        (["idiot*"], "Idiosyncratic"),
        (["idiot*"], "An idiosyncratic idiom."),
        (["idiot"], "idiots"),
        (["idiot"], "IDIOTIC"),
        (["ass"], "class"),
        (["ass"], "passing"),
        (["ass"], "assignment"),
        (["ass"], "Essex"),
        (["ass"], "The class was passing its assignment in Essex."),
        (["ass"], "Bass, grass, mass, lasso, assassin"),
        (["кот"], "скотина"),
        (["кот"], "котик"),
        (["кот"], "Скотный двор, котёл и котлеты"),
        (["кот*"], "скотина"),
        (["дурак"], "дурака"),
        (["moron"], "more on that later"),
    ],
)
def test_no_false_positives(entries, text):
    assert finds(entries, text) == []


@pytest.mark.parametrize("entry", ["ия", "яи", "иты", "тыв", "вду", "уму", "яит", "вдо", "ума", "уга"])
def test_one_letter_russian_words_are_not_glued_into_short_list_words(entry):
    assert finds([entry], "я и ты в доме у мамы") == []
    assert finds([entry], "Я и ты, в доме у мамы.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Сыртқы саясат өзгеріссіз қалады",
        "Үкімет жаңа заң жобасын қарады. Ауа райы бүгін жылы, жаңбыр жауады.",
        "Қазақстан Республикасының Парламенті мәжілісінде қаралды",
        "Астанада өткен кездесуде министр сөз сөйледі",
    ],
)
def test_kazakh_text_matches_none_of_an_unrelated_list(text):
    entries = ["idiot*", "moron", "ass", "scam*", "creep", "дурак*", "кот", "хам", "мразь", "урод*", "bot", "rep*"]
    assert finds(entries, text) == []


@pytest.mark.parametrize(
    "entry, text, expected",
    [
        ("кот", "Кот!", True),
        ("кот", "кот,", True),
        ("кот", "«Кот» — это кот.", True),
        ("кот", "(кот)", True),
        ("кот", "котик", False),
        ("кот", "скот", False),
        ("кот", "котика", False),
        ("кот*", "котик", True),
        ("кот*", "Котики!", True),
        ("кот*", "скотина", False),
        ("кот*", "Кот", True),
    ],
)
def test_cyrillic_word_boundaries(entry, text, expected):
    assert finds([entry], text) == ([entry] if expected else [])


# --- what find returns, and the compiled matcher ----------------------------------------------------


def test_find_returns_entries_in_the_lists_spelling_sorted():
    entries = ["Moron", "ДУРАК", "Idiot*", "scam"]
    text = "idiots! an іdіоt, a m o r o n, a дуpак"
    assert finds(entries, text) == sorted(["Idiot*", "Moron", "ДУРАК"])
    assert finds(entries, text) == ["Idiot*", "Moron", "ДУРАК"]


def test_find_reports_each_entry_once():
    assert finds(["idiot"], "idiot IDIOT i d i o t іdіоt") == ["idiot"]


def test_exact_and_prefix_entries_of_the_same_word_are_both_reported():
    assert finds(["idiot", "idiot*"], "idiot") == ["idiot", "idiot*"]
    assert finds(["idiot", "idiot*"], "idiots") == ["idiot*"]


@pytest.mark.parametrize("text", ["", "idiot", "i d i o t", "anything at all", "*", "a"])
def test_an_empty_list_never_matches(text):
    assert finds([], text) == []
    assert WordMatcher([]).find(text) == []


def test_entries_without_letters_are_ignored():
    assert finds(["*", "", "!!"], "* !! anything") == []


def test_compile_words_caches_by_contents():
    first = compile_words(("idiot", "дурак*"))
    assert compile_words(("idiot", "дурак*")) is first
    entries = ["idiot", "дурак*"]  # an equal tuple built anew
    assert compile_words(tuple(entries)) is first
    assert compile_words(("idiot",)) is not first
    assert isinstance(first, WordMatcher)


def test_fold_maps_both_scripts_to_the_same_string():
    assert fold("дурак") == fold("дуpак") == fold("ДУРАК")
    assert fold("іdіоt") == fold("ÌDÍÖT") == fold("ｉｄｉｏｔ") == "idiot"
    assert fold(f"id{ZWSP}iot") == "idiot"


def test_candidate_words_glue_single_letters_and_punctuated_parts():
    assert "moron" in candidate_words("what a m o r o n")
    assert "idiot" in candidate_words("id-iot")
    # Stretches are at least three letters: two one-letter words are never glued.
    assert "яи" not in candidate_words("я и ты")


# --- which entries a list may hold ----------------------------------------------------------------


@pytest.mark.parametrize("entry", ["idiot", "idiot*", "дурак", "дурак*", "Қазақ", "abc123", "a" * 40])
def test_valid_entry_accepts_words(entry):
    assert valid_entry(entry) is True


@pytest.mark.parametrize("entry", ["", "two words", "*", "a" * 41, 3, None, ["idiot"], "x*y", "id-iot", "*idiot", "id_iot"])
def test_valid_entry_refuses_other_things(entry):
    assert valid_entry(entry) is False


@pytest.mark.parametrize("text, entry", [("Kazakh A.S.S.R. history", "ass"), ("s.c.u.m of the earth", "cum"),
                                         ("a m o r o n, a friend", "ona")])
def test_abbreviations_and_sentence_breaks_are_not_glued_into_list_words(text, entry):
    assert finds([entry], text) == []


def test_adversarial_text_at_the_longest_comment_stays_fast():
    import time

    matcher = compile_words(("idiot*", "a" * 40))
    for text in (".".join("abcdefghij" * 2000), "-".join(["ab", "c", "d"] * 2500), " ".join("abcdefghij" * 1000)):
        started = time.perf_counter()
        matcher.find(text)
        # Generous: a regression to the quadratic search took seconds here.
        assert time.perf_counter() - started < 2


# --- linear in the text, and a cache bounded in bytes ----------------------------------------------


def repeat_to(length, unit):
    return (unit * (length // len(unit) + 1))[:length]


def candidate_letters(text):
    """All the letters the matcher would look at for `text`: its work, and what the cache keeps."""
    candidates = split_candidates(text)
    return sum(map(len, candidates.words)) + sum(map(len, candidates.heads))


def one_letter_words(length, seed):
    """A random run of one-letter words, Latin and Cyrillic: no two of its suffixes alike."""
    rng = random.Random(seed)
    return " ".join(rng.choice("aiаивскоуя") for _ in range(length // 2 + 1))[:length]


# Runs of one-letter words: each may start a spaced-out word, so every suffix of the run is tried.
ADVERSARIAL = {
    "a a a": lambda length: repeat_to(length, "a "),
    "a.a.a": lambda length: repeat_to(length, "a."),
    "a i я и в": lambda length: repeat_to(length, "a i я и в с к о у i a "),
    "Cyrillic а а а": lambda length: repeat_to(length, "а "),
    "random one-letter words": lambda length: one_letter_words(length, seed=1),
    "one long word": lambda length: repeat_to(length, "abcdefghij"),
    "glued ab-c-d": lambda length: repeat_to(length, "ab-c-d-"),
    "I.D.I.O.T.": lambda length: repeat_to(length, "I.D.I.O.T."),
}


@pytest.mark.parametrize("comment", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_candidates_grow_linearly_with_the_text(comment):
    """Structural, not timed: twenty times the text gives at most about twenty times the letters to
    look at, and never more than a join's cut (ENTRY_MAX + 1) per character of text. Kept whole,
    the suffixes of "a a a …" are quadratic: 50 million letters at 20,000 characters."""
    short, long = candidate_letters(comment(1_000)), candidate_letters(comment(20_000))
    assert long <= 20 * short * 1.1 + 1_000
    assert long <= (ENTRY_MAX + 1) * 20_000


def test_a_long_run_of_one_letter_words_still_hides_no_word():
    """What the quadratic search found, the linear one still finds, however long the run around it."""
    padding = "a " * 5_000
    assert finds(["idiot"], padding + "i d i o t") == ["idiot"]
    assert finds(["idiot*"], padding + "i d i o t s " + padding) == ["idiot*"]
    assert finds(["idiot*"], padding.replace(" ", ".") + "i.d.i.o.t." + padding.replace(" ", ".")) == ["idiot*"]
    assert finds(["дурак*"], "а " * 5_000 + "д у р а к и " + "а " * 5_000) == ["дурак*"]
    # The run continues past the word: "idiotsaaa…" is not the whole word "idiot".
    assert finds(["idiot"], padding + "i d i o t s " + padding) == []


def test_the_head_of_a_join_longer_than_any_entry_matches_beginnings_only():
    spaced = " ".join("bcdefghjlmnpqrtuvwxzbcdefghjlmnpqrtuvwxzbcdef")  # 45 letters, no one-letter words
    assert finds(["bcdefghjlmnpqrtuvwxzbcdefghjlmnpqrtuvwxz"], spaced) == []  # its first 40 letters
    assert finds(["bcdefghjlmnpqrtuvwxzbcdefghjlmnpqrtuvwxz*"], spaced) == ["bcdefghjlmnpqrtuvwxzbcdefghjlmnpqrtuvwxz*"]


def test_a_glued_join_longer_than_any_entry_still_starts_with_one():
    """"id-iot" then 45 more letters: the join is too long to be a word, but it starts with idiot."""
    assert finds(["idiot*"], "id-iot" + "x" * 45) == ["idiot*"]
    assert finds(["idiot"], "id-iot" + "x" * 45) == []


@pytest.mark.parametrize("entry, valid", [("㌖" * 6, True), ("㌖" * 7, False), ("ﬃ" * 13, True), ("ﬃ" * 14, False)])
def test_an_entry_may_fold_to_at_most_entry_max_letters(entry, valid):
    """㌖ folds to キロメートル, ﬃ to ffi: joins are kept up to ENTRY_MAX letters, so entries are too."""
    assert valid_entry(entry) is valid


def test_the_candidate_cache_stays_within_its_bytes_after_many_long_comments():
    import gc
    import tracemalloc

    CANDIDATE_CACHE.clear()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for seed in range(12):
            candidate_words(one_letter_words(20_000, seed))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert CANDIDATE_CACHE.bytes <= CANDIDATE_CACHE.max_bytes
    # What the cache counts is what it holds (give or take a quarter), so it holds no more than its bound.
    assert held <= CANDIDATE_CACHE.max_bytes * 1.25
    CANDIDATE_CACHE.clear()


def test_the_candidate_cache_keeps_a_text_it_has_split():
    CANDIDATE_CACHE.clear()
    first = candidate_words("you i d i o t")
    assert candidate_words("you i d i o t") is first
    CANDIDATE_CACHE.clear()
