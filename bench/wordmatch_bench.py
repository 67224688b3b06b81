"""Benchmark of banned/suspect word matching: does a long word list slow a comment POST?

Run from anywhere:  python bench/wordmatch_bench.py   (or .venv/bin/python bench/wordmatch_bench.py)

For word lists of 100, 1,000, 5,000 and 20,000 generated entries (half of them "word*"
prefixes, half Latin and half Cyrillic), it times `compile_words` once per list (what a
policy change costs, once per policy version), then `WordMatcher.find` over:

- a realistic comment: 5,000 characters of mixed Russian and English news-comment text;
- an adversarial comment: 5,000 characters of spaced single letters ("a b c d ..."),
  the worst case for the glued-letters search, which tries every stretch of 3 to
  `longest` letters.

Each find is repeated (at least 7 times and at least 0.3 s) and the median is reported in
microseconds, with time.perf_counter. (A text's candidates are cached, so after the first
run these finds time the list lookups, not the splitting of the text.)

Then, for linearity, adversarial comments of 1,000, 2,000, 5,000, 10,000 and 20,000
characters (ADVERSARIAL_KINDS: runs of one-letter words spaced by spaces or dots, a mix of
Latin and Cyrillic one-letter words, Cyrillic look-alikes of "a", one long word, parts
glued by hyphens), each found with the 20,000-word list and the candidate cache emptied
before every run, so the whole split of the text is timed. The figure is milliseconds per
1,000 characters: for a linear matcher it stays flat from 1,000 to 20,000 (a quadratic one
grows twentyfold).

Regression guards: the script exits with status 1 if the median find on the 20,000-word
list over the realistic 5,000-character comment is above 20 ms (LIMIT_MS), or if an
adversarial kind's figure at 20,000 characters is more than FLAT_LIMIT times its figure
at 1,000; 0 otherwise.
"""
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from widget.wordmatch import CANDIDATE_CACHE, compile_words

SIZES = (100, 1_000, 5_000, 20_000)
COMMENT_LENGTH = 5_000
LIMIT_MS = 20.0
GUARDED_SIZE = 20_000
MIN_REPEATS = 7
MIN_SECONDS = 0.3

ADVERSARIAL_LENGTHS = (1_000, 2_000, 5_000, 10_000, 20_000)
FLAT_LIMIT = 3.0

LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщыэюяёәғқңөұүһі"

REALISTIC_SENTENCES = [
    "Спасибо за статью, очень интересно и по делу.",
    "Не согласен с автором: цены на бензин растут уже третий месяц подряд.",
    "Great reporting, but the headline is a bit misleading about the budget.",
    "А кто будет отвечать за ремонт дорог в нашем районе?",
    "I read the full report on https://example.org/report and it says otherwise.",
    "Мэрия опять обещает, что к осени всё будет готово — посмотрим.",
    "The minister's answer in parliament didn't address the question at all.",
    "Мой сосед работает на этом заводе, и он говорит совсем другое.",
    "Why is nobody talking about the water supply? It's 2024, after all!",
    "Хорошо, что редакция подняла эту тему, давно пора.",
    "Сыртқы саясат өзгеріссіз қалады, бірақ экономика өзгереді.",
    "Please fix the typo in the third paragraph: it's 'their', not 'there'.",
    "Я и ты в доме у мамы — так говорили в детстве, а теперь всё иначе.",
    "This is the best piece on the election I've read this week.",
]


def word_list(size, rng):
    """`size` distinct entries: half Latin, half Cyrillic; every other one a "word*" prefix."""
    entries, seen = [], set()
    while len(entries) < size:
        alphabet = LATIN if len(entries) % 2 == 0 else CYRILLIC
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(4, 10)))
        if word in seen:
            continue
        seen.add(word)
        entries.append(word + "*" if (len(entries) // 2) % 2 else word)
    return tuple(entries)


def realistic_comment(rng):
    parts, length = [], 0
    while length < COMMENT_LENGTH:
        sentence = rng.choice(REALISTIC_SENTENCES)
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)[:COMMENT_LENGTH]


def adversarial_comment(rng):
    letters = LATIN + CYRILLIC
    return " ".join(rng.choice(letters) for _ in range(COMMENT_LENGTH // 2 + 1))[:COMMENT_LENGTH]


def repeat_to(length, unit):
    return (unit * (length // len(unit) + 1))[:length]


# name: comment of a given length. The one-letter runs are the worst case for the glued-letters
# search (each one-letter word may start the spaced-out word); the others are its neighbours.
ADVERSARIAL_KINDS = {
    "a a a …": lambda length: repeat_to(length, "a "),
    "a.a.a…": lambda length: repeat_to(length, "a."),
    "a i я и в …": lambda length: repeat_to(length, "a i я и в с к о у i a "),
    "а а а (Cyrillic)": lambda length: repeat_to(length, "а "),
    "one long word": lambda length: repeat_to(length, "abcdefghij"),
    "ab-c-d glued": lambda length: repeat_to(length, "ab-c-d-"),
}


def uncached_find(matcher, text):
    CANDIDATE_CACHE.clear()
    matcher.find(text)


def linearity(matcher):
    """Prints ms per 1,000 characters for each adversarial kind and length; returns the kinds
    whose figure at the longest length is more than FLAT_LIMIT times the one at the shortest."""
    print()
    print("adversarial comments, 20,000-word list, candidate cache emptied before each find:")
    print("ms per 1,000 characters (flat = linear)")
    print(f"{'comment':>17} | " + " | ".join(f"{length:>7,}" for length in ADVERSARIAL_LENGTHS) + f" | {'20k/1k':>6}")
    print("-" * 80)
    steep = []
    for kind, comment in ADVERSARIAL_KINDS.items():
        figures = []
        for length in ADVERSARIAL_LENGTHS:
            microseconds, _ = median_microseconds(uncached_find, matcher, comment(length))
            figures.append(microseconds / 1e3 / (length / 1_000))
        ratio = figures[-1] / figures[0]
        print(f"{kind:>17} | " + " | ".join(f"{figure:>7.3f}" for figure in figures) + f" | {ratio:>6.2f}")
        if ratio > FLAT_LIMIT:
            steep.append(kind)
    print("-" * 80)
    return steep


def median_microseconds(function, *args):
    times, started = [], time.perf_counter()
    while len(times) < MIN_REPEATS or time.perf_counter() - started < MIN_SECONDS:
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6, len(times)


def main():
    rng = random.Random(20240601)
    realistic, adversarial = realistic_comment(rng), adversarial_comment(rng)
    print(f"comments: realistic {len(realistic):,} chars, adversarial {len(adversarial):,} chars")
    print(f"{'words':>7} | {'compile ms':>10} | {'find realistic µs':>17} | {'find adversarial µs':>19} | {'hits':>4}")
    print("-" * 72)
    guarded = None
    for size in SIZES:
        entries = word_list(size, rng)
        compile_words.cache_clear()
        start = time.perf_counter()
        matcher = compile_words(entries)
        compile_ms = (time.perf_counter() - start) * 1e3
        realistic_us, _ = median_microseconds(matcher.find, realistic)
        adversarial_us, _ = median_microseconds(matcher.find, adversarial)
        hits = len(matcher.find(realistic))
        print(f"{size:>7,} | {compile_ms:>10.1f} | {realistic_us:>17,.0f} | {adversarial_us:>19,.0f} | {hits:>4}")
        if size == GUARDED_SIZE:
            guarded, guarded_matcher = realistic_us / 1e3, matcher
    print("-" * 72)
    failed = False
    if guarded > LIMIT_MS:
        print(f"REGRESSION: find on {GUARDED_SIZE:,} words over the realistic comment took {guarded:.2f} ms "
              f"(median), above {LIMIT_MS:.0f} ms")
        failed = True
    else:
        print(f"OK: find on {GUARDED_SIZE:,} words over the realistic comment: {guarded:.2f} ms median "
              f"(limit {LIMIT_MS:.0f} ms)")
    steep = linearity(guarded_matcher)
    if steep:
        print(f"REGRESSION: not linear (20,000 characters cost over {FLAT_LIMIT:g}x per 1,000 what 1,000 do): "
              + ", ".join(steep))
        failed = True
    else:
        print(f"OK: every adversarial figure at 20,000 characters is within {FLAT_LIMIT:g}x of its figure at 1,000")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
