"""One lock for every PDFium call in a process.

PDFium is not thread-safe, not even across different documents: pypdfium2's documentation says
concurrent calls "would crash or corrupt the process". A run digitizes documents side by side in
threads (Prefect's task runner), so the PDFium work left in its main process (judging text layers,
rendering extraction zones, a page Tesseract could not read) takes this lock from opening a document
to closing it. Page rendering for OCR runs in worker processes, one page at a time, where the lock is
never contended.
"""

from __future__ import annotations

import threading

LOCK = threading.RLock()
