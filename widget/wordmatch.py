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
a set lookup per candidate word: thousands of words don't slow a comment. The
candidates grow linearly with the text, whatever it holds: no entry folds to
more than ENTRY_MAX letters, so a join is never kept longer than that; of a
longer one only its first ENTRY_MAX letters are kept, as a "head" that only
"word*" entries are matched against (a run of n one-letter words has n
suffixes; kept whole they would be n²/2 letters).
"""
import functools
import re
import sys
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Candidates:
    """What a text offers the matcher: its words and joins, matched whole and by beginning, and
    the heads of joins longer than any entry, matched by beginning only."""

    words: frozenset
    heads: frozenset

    def __contains__(self, word):
        return word in self.words

    def size(self):
        """Roughly the bytes this holds: the sets and every string in them."""
        strings = sum(sys.getsizeof(word) for word in self.words) + sum(sys.getsizeof(head) for head in self.heads)
        return sys.getsizeof(self) + sys.getsizeof(self.words) + sys.getsizeof(self.heads) + strings


class CandidateCache:
    """The candidates of the latest texts, least recently used dropped first, within a byte budget.

    Counted in bytes, not texts: one 20,000-character comment can hold a megabyte of candidates.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries = OrderedDict()  # text -> (candidates, bytes counted for them and the text)
        self._lock = threading.Lock()

    def get(self, text):
        with self._lock:
            entry = self._entries.get(text)
            if entry is None:
                return None
            self._entries.move_to_end(text)
            return entry[0]

    def put(self, text, candidates):
        size = sys.getsizeof(text) + candidates.size()
        if size > self.max_bytes:
            return
        with self._lock:
            if text in self._entries:
                return
            self._entries[text] = (candidates, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped

    def clear(self):
        with self._lock:
            self._entries.clear()
            self.bytes = 0


# Enough for the banned and suspect lists of a few comments in flight per worker process.
CANDIDATE_CACHE = CandidateCache(max_bytes=8 * 2**20)


def candidate_words(text):
    """The Candidates of `text`: cached, so a comment is split once for all the lists it is checked against."""
    candidates = CANDIDATE_CACHE.get(text)
    if candidates is None:
        candidates = split_candidates(text)
        CANDIDATE_CACHE.put(text, candidates)
    return candidates


def split_candidates(text):
    """Every word of `text`, folded, and the glued-together words evasion makes of them.

    A run of three or more single letters ("i d i o t", "i.d.i.o.t") gives the whole run, and
    the run without the one-letter words a sentence may start it with ("what
    a m o r o n"); inner stretches are not tried, so "A.S.S.R." is not "ass".
    """
    folded = fold(text)
    words = [(m.group(), m.start(), m.end()) for m in WORD.finditer(folded)]
    joins, letters, glued = set(), [], []
    for index, (word, start, _) in enumerate(words):
        gap = folded[words[index - 1][2]:start] if index else ""
        # Spaces, or a few dots and dashes, space a word out; a comma or a full stop and space end it.
        if len(word) == 1 and (not index or SPACING.fullmatch(gap)):
            letters.append(word)
        else:
            joins.update(letter_runs(letters))
            letters = [word] if len(word) == 1 else []
        # Words joined by punctuation with no whitespace: "id-iot", "id*iot", "you-id-iot".
        if index and GLUE.fullmatch(gap):
            glued.append(word)
        else:
            joins.update(glued_joins(glued))
            glued = [word]
    joins.update(letter_runs(letters))
    joins.update(glued_joins(glued))
    return Candidates(
        words=frozenset(word for word, _, _ in words) | {join for join in joins if len(join) <= ENTRY_MAX},
        heads=frozenset(join[:ENTRY_MAX] for join in joins if len(join) > ENTRY_MAX),
    )


# letter_runs and glued_joins cut what they give at one letter more than any entry: enough to
# tell a join that is longer than every entry, whose head then serves "word*" entries only.
CUT = ENTRY_MAX + 1


def glued_joins(parts):
    """Every join of two or more neighbouring parts, up to ENTRY_MAX letters and the first one past
    it, holding a part longer than one letter (all-single-letter runs are letter_runs' job)."""
    if len(parts) < 2 or max(map(len, parts)) == 1:
        return
    for start in range(len(parts) - 1):
        joined = parts[start]
        has_long_part = len(joined) > 1
        for end in range(start + 1, len(parts)):
            part = parts[end]
            joined += part
            has_long_part = has_long_part or len(part) > 1
            if has_long_part:
                yield joined[:CUT]
            if len(joined) > ENTRY_MAX:
                break


# One-letter words a spaced-out word may follow (English "a", "I"; Russian "а", "и", "в", "с", "к", "о", "у", "я").
ONE_LETTER_WORDS = frozenset(fold(letter) for letter in "aiаивскоуя")


def letter_runs(letters):
    """A run of three or more single letters joined, and without its leading one-letter words
    (two letters are too often two real words: Russian "я и")."""
    run = "".join(letters)
    for start in range(len(run) - 2):
        yield run[start:start + CUT]
        if run[start] not in ONE_LETTER_WORDS:
            break


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
        candidates = candidate_words(text)
        found = set()
        for word in candidates.words:
            found.update(self.matches(word))
        for head in candidates.heads:
            found.update(self.beginnings(head))
        return sorted(found)

    def matches(self, word):
        """The entries one folded word is: the entry itself, or a "word*" it starts with."""
        exact = [self.exact[word]] if word in self.exact else []
        return exact + self.beginnings(word)

    def beginnings(self, word):
        """The "word*" entries that one folded word starts with."""
        found = []
        for length in self.prefix_lengths:
            if length > len(word):
                break
            if word[:length] in self.prefixes:
                found.append(self.prefixes[word[:length]])
        return found


@functools.lru_cache(maxsize=128)
def compile_words(entries):
    """The matcher for a tuple of entries, built once per distinct list (so once per policy)."""
    return WordMatcher(entries)


def valid_entry(entry):
    """True for a word, with an optional trailing * for "starts with", of at most ENTRY_MAX
    characters typed and folded (a ligature or a squared word like ㌖ folds to several letters;
    joins are only kept that long)."""
    if not (isinstance(entry, str) and 0 < len(entry) <= ENTRY_MAX):
        return False
    folded = fold(entry.rstrip("*"))
    return bool(WORD.fullmatch(folded or "-")) and len(folded) <= ENTRY_MAX
