"""Providers: narrow perception jobs for the runner (grounding, extraction, verification).

``base`` holds the protocols and shared data; ``Local*`` implement them with
Tesseract OCR on the screenshot itself, needing no model or network.
"""

from mantis.brains.providers.base import (
    Box,
    Extractor,
    FieldSpec,
    Grounder,
    Grounding,
    Verifier,
)
from mantis.brains.providers.extraction import LocalExtractor
from mantis.brains.providers.grounding import LocalGrounder
from mantis.brains.providers.ocr import Line, OcrResult, Tesseract, Word
from mantis.brains.providers.verification import LocalVerifier

__all__ = [
    "Box",
    "Extractor",
    "FieldSpec",
    "Grounder",
    "Grounding",
    "Line",
    "LocalExtractor",
    "LocalGrounder",
    "LocalVerifier",
    "OcrResult",
    "Tesseract",
    "Verifier",
    "Word",
]
