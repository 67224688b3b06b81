"""Finding a site's banned and suspect words in a comment, whatever plain evasion it tries.

Words and text are folded the same way: NFKC, casefold, diacritics dropped,
invisible format characters removed, and every character that Unicode's
confusables data says looks like a Latin letter or digit replaced by it (the
Cyrillic а, е, о, р, с, і... of Russian and Kazakh text, Greek look-alikes,
fullwidth forms). A Russian word on the list and the same word typed with
Latin look-alikes then fold to the same string.

The folded text is split into words at anything that is not a letter or a
digit, so boundaries work for Cyrillic as for Latin. Besides each word, a
match is tried on words glued back together: a run of single letters
("i d i o t", "i.d.i.o.t") and a run of words joined by punctuation without
spaces ("id-iot", "id*iot"). An entry "word*" matches any word that starts
with it ("words", "wordy"); an entry without the star matches the whole word
only, so "idiot*" never matches "Idiosyncratic".

A matcher is compiled once per word list (cached by its contents), then costs
a set lookup per candidate word: thousands of words don't slow a comment, and
the candidates grow linearly with the text, whatever it holds.
"""
import functools
import re
import unicodedata

from confusable_homoglyphs import confusables

WORD = re.compile(r"[^\W_]+")
ENTRY_MAX = 40
SPACING = re.compile(r"\s+|[\s._*~/|+'\"`·•-]{1,3}")
# Punctuation (underscores included) that may glue word parts together when no space is around it.
GLUE = re.compile(r"(?:[^\w\s]|_)+")


def _latin_look_alikes():
    """{lower-case character: the Latin letter or digit it, or its capital, is confusable with}.

    fold() casefolds before it maps, so a capital's look-alike must be found
    through its small form: Cyrillic Т, М, Н, К look like Latin letters, while
    т, м, н, к don't. A small form's own look-alike wins (і is i, though І is l).
    """
    own, through_capital = {}, {}
    for character, homoglyphs in confusables.confusables_data.items():
        if len(character) != 1 or character.isascii():
            continue
        target = next((h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalnum()), None)
        if target is None:
            continue
        small = character.casefold()
        if small == character:
            own[ord(character)] = target.lower()
        elif len(small) == 1 and not small.isascii():
            through_capital.setdefault(ord(small), target.lower())
    return {**through_capital, **own}


LOOK_ALIKES = _latin_look_alikes()


def fold(text):
    """`text` as the matcher sees it (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Cf"))
    return unicodedata.normalize("NFC", bare).translate(LOOK_ALIKES)


@functools.lru_cache(maxsize=8)
def candidate_words(text):
    """Every word of `text`, folded, and the glued-together words evasion makes of them.

    A run of three or more single letters ("i d i o t", "i.d.i.o.t") gives the whole run, and
    the run without the one-letter words a sentence may start it with ("what
    a m o r o n"); inner stretches are not tried, so "A.S.S.R." is not "ass".
    Cached, so a comment is split once for all the lists it is checked against.
    """
    folded = fold(text)
    words = [(m.group(), m.start(), m.end()) for m in WORD.finditer(folded)]
    candidates = {word for word, _, _ in words}
    letters, glued = [], []
    for index, (word, start, _) in enumerate(words):
        gap = folded[words[index - 1][2]:start] if index else ""
        # Spaces, or a few dots and dashes, space a word out; a comma or a full stop and space end it.
        if len(word) == 1 and (not index or SPACING.fullmatch(gap)):
            letters.append(word)
        else:
            candidates.update(letter_runs(letters))
            letters = [word] if len(word) == 1 else []
        # Words joined by punctuation with no whitespace: "id-iot", "id*iot", "you-id-iot".
        if index and GLUE.fullmatch(gap):
            glued.append(word)
        else:
            candidates.update(glued_joins(glued))
            glued = [word]
    candidates.update(letter_runs(letters))
    candidates.update(glued_joins(glued))
    return frozenset(candidates)


def glued_joins(parts):
    """Every join of two or more neighbouring parts, up to ENTRY_MAX letters, holding a part
    longer than one letter (all-single-letter runs are letter_runs' job)."""
    joins = set()
    if len(parts) < 2 or max(map(len, parts)) == 1:
        return joins
    for start in range(len(parts) - 1):
        joined, longest = parts[start], len(parts[start])
        for part in parts[start + 1:]:
            joined += part
            longest = max(longest, len(part))
            if len(joined) > ENTRY_MAX:
                break
            if longest > 1:
                joins.add(joined)
    return joins


# One-letter words a spaced-out word may follow (English "a", "I"; Russian "а", "и", "в", "с", "к", "о", "у", "я").
ONE_LETTER_WORDS = frozenset(fold(letter) for letter in "aiаивскоуя")


def letter_runs(letters):
    """A run of three or more single letters joined, and without its leading one-letter words
    (two letters are too often two real words: Russian "я и")."""
    runs = set()
    while len(letters) > 2:
        runs.add("".join(letters))
        if letters[0] not in ONE_LETTER_WORDS:
            break
        letters = letters[1:]
    return runs


class WordMatcher:
    """The entries of one word list, folded, ready to look for."""

    def __init__(self, entries):
        self.exact, self.prefixes = {}, {}
        for entry in entries:
            is_prefix = entry.endswith("*")
            key = "".join(WORD.findall(fold(entry.rstrip("*"))))
            if key:
                (self.prefixes if is_prefix else self.exact)[key] = entry
        self.prefix_lengths = sorted({len(key) for key in self.prefixes})

    def find(self, text):
        """The list entries that `text` contains, in the list's spelling (for moderators)."""
        if not (self.exact or self.prefixes):
            return []
        found = set()
        for word in candidate_words(text):
            if word in self.exact:
                found.add(self.exact[word])
            for length in self.prefix_lengths:
                if length > len(word):
                    break
                if word[:length] in self.prefixes:
                    found.add(self.prefixes[word[:length]])
        return sorted(found)


@functools.lru_cache(maxsize=128)
def compile_words(entries):
    """The matcher for a tuple of entries, built once per distinct list (so once per policy)."""
    return WordMatcher(entries)


def valid_entry(entry):
    """True for a word, with an optional trailing * for "starts with"."""
    return isinstance(entry, str) and 0 < len(entry) <= ENTRY_MAX and bool(WORD.fullmatch(fold(entry.rstrip("*")) or "-"))
