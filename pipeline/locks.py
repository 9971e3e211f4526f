"""Locks shared by the threads of one process: a run digitizes documents side by side in threads.

- `PDFIUM`: PDFium is not thread-safe, not even across different documents (pypdfium2's documentation
  says concurrent calls "would crash or corrupt the process"). The PDFium work left in a run's main
  process (judging text layers, rendering extraction zones, a page Tesseract could not read) takes it
  from opening a document to closing it. Page rendering for OCR runs in worker processes, one page at a
  time, where it is never contended.
- `KeyedLocks`: one lock per name, e.g. per document (the same file in two dossiers must not be
  digitized twice at once: the second would overwrite the first's artifacts under its record) or per
  dossier manifest (read-modify-write).
"""

from __future__ import annotations

import threading

PDFIUM = threading.RLock()


class KeyedLocks:
    """A lock per key, made on first use; keys are few per run (documents, dossiers), never dropped."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def __call__(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())
