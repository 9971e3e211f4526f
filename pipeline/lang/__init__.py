"""Vietnamese language knowledge for OCR reads.

`syllables` tells a possible syllable from an OCR error by its structure alone; `lexicon` loads what
well-kept packages know about the language (wordfreq's syllable frequencies, pyvi's dictionary of
words, vietnam-provinces' place names); `correct` uses both to choose among reads and to mend tone and
vowel marks the OCR got wrong, never names, codes or numbers.
"""
