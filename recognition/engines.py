"""OCR engines behind one interface: Tesseract 5 (tesserocr) and PP-OCR as ONNX (rapidocr), chosen per language.

Defaults, measured by `python -m benchmarks.recognition_bench` on the generated set:
- Russian -> Tesseract with Debian's rus model: the PP-OCR models on PyPI have no Cyrillic recogniser.
- English -> Tesseract: both engines read it at <= 0.7% character error, Tesseract at a fraction of the CPU.
- Chinese -> PP-OCR: 0% character error against 5-9% for Tesseract's chi_sim, which drops characters.
`OCR_ENGINES="ru=tesseract,en=paddle,zh=paddle"` overrides the choice; `OCR_PADDLE_MODEL_DIR` points PP-OCR at
a local folder of ONNX models (det*.onnx, rec*.onnx, optional cls*.onnx and a keys .txt), e.g. an East-Slavic
model an operator supplies. Nothing is downloaded: the PP-OCR models are the ones inside the rapidocr wheel,
loaded by explicit path, and Tesseract reads Debian's traineddata.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from recognition.model import Language, Line, Word
from recognition.pages import lines_of

TESSDATA_DIRS = (Path("/usr/share/tesseract-ocr/5/tessdata"), Path("/usr/share/tesseract-ocr/4.00/tessdata"))
TESSERACT_LANGUAGES: Mapping[Language, str] = {"ru": "rus+eng", "en": "eng", "zh": "chi_sim"}
DEFAULT_ENGINES: Mapping[Language, str] = {"ru": "tesseract", "en": "tesseract", "zh": "paddle"}
MIN_WORD_CONFIDENCE = 0.15  # below this a "word" is noise (speckles, table rules)


class OcrEngine(Protocol):
    name: str

    def read(self, image: Image.Image, language: Language, page: int) -> list[Line]:
        """Lines of text on a greyscale page image, boxes as fractions of the page."""
        ...


def tessdata() -> Path:
    for folder in TESSDATA_DIRS:
        if (folder / "eng.traineddata").exists():
            return folder
    raise RuntimeError(
        "Tesseract language data not found: install tesseract-ocr-{rus,eng,chi-sim} (stack/bootstrap.sh)"
    )


class Tesseract:
    """Tesseract 5 through tesserocr; one API object per language set, reused (initialising one takes ~0.3 s).

    Automatic page segmentation: it finds table cells standing alone (a unit "м" in its column) that the
    single-column mode dropped; lines are rebuilt from the words' positions anyway.
    """

    name = "tesseract"

    def __init__(self) -> None:
        self._apis: dict[str, object] = {}
        self._lock = threading.Lock()

    def _api(self, languages: str, single_line: bool = False) -> object:
        import tesserocr

        key = f"{languages}:{'line' if single_line else 'page'}"
        if key not in self._apis:
            psm = tesserocr.PSM.SINGLE_LINE if single_line else tesserocr.PSM.AUTO
            self._apis[key] = tesserocr.PyTessBaseAPI(path=str(tessdata()) + "/", lang=languages, psm=psm)
        return self._apis[key]

    def _words(self, api: object, image: Image.Image, top: int = 0) -> list[Word]:
        import tesserocr

        level = tesserocr.RIL.WORD
        api.SetImage(image)  # type: ignore[attr-defined]
        api.Recognize()  # type: ignore[attr-defined]
        iterator = api.GetIterator()  # type: ignore[attr-defined]
        if iterator is None:  # a blank page
            return []
        words: list[Word] = []
        for item in tesserocr.iterate_level(iterator, level):
            try:
                text = (item.GetUTF8Text(level) or "").strip()
            except RuntimeError:  # "No text returned" for an empty word
                continue
            bounds = item.BoundingBox(level)
            confidence = item.Confidence(level) / 100
            if text and bounds and confidence >= MIN_WORD_CONFIDENCE:
                x0, y0, x1, y1 = bounds
                words.append(Word(text, (x0, y0 + top, x1, y1 + top), confidence))
        return words

    def _reread(self, languages: str, image: Image.Image, line: Line) -> Line:
        """A line read again alone, across the page's width: page layout analysis drops lone short cells
        (a row number, a unit "m") as noise; read as one line they come back."""
        _, y0, _, y1 = line.box
        margin = (y1 - y0) * 0.35
        top, bottom = max(0, int((y0 - margin) * image.height)), min(image.height, int((y1 + margin) * image.height))
        if bottom - top < 8:
            return line
        words = self._words(self._api(languages, single_line=True), image.crop((0, top, image.width, bottom)), top)
        again = Line(line.page, tuple(Word(w.text, _fraction(w.box, image), w.confidence) for w in words))
        longer = len(again.text.replace(" ", "")) >= len(line.text.replace(" ", ""))
        surer = again.confidence > line.confidence  # e.g. a row number the page pass read as noise ("NY")
        return again if words and (surer or (longer and again.confidence >= min(line.confidence, 0.5))) else line

    def read(self, image: Image.Image, language: Language, page: int) -> list[Line]:
        languages = TESSERACT_LANGUAGES[language]
        with self._lock:  # a TessBaseAPI is not thread-safe
            words = [
                Word(w.text, _fraction(w.box, image), w.confidence) for w in self._words(self._api(languages), image)
            ]
            lines = lines_of(page, words)
            # Table rows (several words spread over the page) are read again as single lines.
            return [self._reread(languages, image, line) if len(line.words) >= 3 else line for line in lines]


class Paddle:
    """PP-OCR (detection, direction, recognition) as ONNX through rapidocr, with the wheel's models or an operator's."""

    name = "paddle"

    def __init__(self, model_dir: Path | None = None) -> None:
        self.model_dir = model_dir
        self._lock = threading.Lock()
        self._ocr: object | None = None

    def _engine(self) -> object:
        if self._ocr is None:
            from rapidocr import RapidOCR

            threads = int(os.environ.get("OCR_THREADS", "2"))
            params: dict[str, object] = {
                "Global.log_level": "warning",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            } | paddle_models(self.model_dir)
            self._ocr = RapidOCR(params=params)
        return self._ocr

    def read(self, image: Image.Image, language: Language, page: int) -> list[Line]:
        with self._lock:
            result = self._engine()(np.asarray(image.convert("RGB")))  # type: ignore[operator]
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None) or ()
        scores = getattr(result, "scores", None) or ()
        if boxes is None:
            return []
        segments = []
        for quad, text, score in zip(boxes, texts, scores, strict=False):
            xs, ys = [p[0] for p in quad], [p[1] for p in quad]
            segments.append((text.strip(), _fraction((min(xs), min(ys), max(xs), max(ys)), image), float(score)))
        height = float(np.median([box[3] - box[1] for _, box, _ in segments])) if segments else 0.0
        words: list[Word] = []
        for text, box, score in segments:
            if _stacked(text, box, height):
                words.extend(_split_stack(text, box, score))
            else:
                words.extend(_split_segment(text, box, score))
        return lines_of(page, words)


def paddle_models(model_dir: Path | None) -> dict[str, object]:
    """rapidocr parameters naming model files by path, so it never looks for (or fetches) anything else."""
    if model_dir is None:
        import rapidocr

        bundled = Path(rapidocr.__file__).parent / "models"
        return {
            "Det.model_path": str(bundled / "PP-OCRv6_det_small.onnx"),
            "Rec.model_path": str(bundled / "PP-OCRv6_rec_small.onnx"),
            "Cls.model_path": str(bundled / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
        }
    found = {kind: sorted(model_dir.glob(f"*{kind}*.onnx")) for kind in ("det", "rec", "cls")}
    if not found["det"] or not found["rec"]:
        raise RuntimeError(f"OCR_PADDLE_MODEL_DIR={model_dir}: needs a *det*.onnx and a *rec*.onnx model")
    params: dict[str, object] = {"Det.model_path": str(found["det"][0]), "Rec.model_path": str(found["rec"][0])}
    if found["cls"]:
        params["Cls.model_path"] = str(found["cls"][0])
    else:
        params["Global.use_cls"] = False
    keys = sorted(model_dir.glob("*.txt"))
    if keys:
        params["Rec.rec_keys_path"] = str(keys[0])
    return params


def _split_segment(text: str, box: tuple[float, float, float, float], score: float) -> list[Word]:
    """A detected segment split into words at spaces, each given its share of the box by character count."""
    parts = text.split()
    if not parts:
        return []
    total = len(text)
    x0, y0, x1, y1 = box
    words, offset = [], 0
    for part in parts:
        start = text.index(part, offset)
        offset = start + len(part)
        left = x0 + (x1 - x0) * start / total
        right = x0 + (x1 - x0) * offset / total
        words.append(Word(part, (left, y0, right, y1), score))
    return words


def _stacked(text: str, box: tuple[float, float, float, float], height: float) -> bool:
    """Single CJK characters of a table column, one per row, that detection took for one vertical line."""
    x0, y0, x1, y1 = box
    return len(text) >= 2 and " " not in text and (y1 - y0) >= 1.6 * height and (y1 - y0) > (x1 - x0)


def _split_stack(text: str, box: tuple[float, float, float, float], score: float) -> list[Word]:
    x0, y0, x1, y1 = box
    step = (y1 - y0) / len(text)
    return [Word(char, (x0, y0 + i * step, x1, y0 + (i + 1) * step), score) for i, char in enumerate(text)]


def _fraction(box: tuple[float, float, float, float], image: Image.Image) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    return (x0 / image.width, y0 / image.height, x1 / image.width, y1 / image.height)


@cache
def engines() -> Mapping[str, OcrEngine]:
    folder = os.environ.get("OCR_PADDLE_MODEL_DIR")
    return {"tesseract": Tesseract(), "paddle": Paddle(Path(folder) if folder else None)}


def engine_for(language: Language) -> OcrEngine:
    """The engine configured for a language: `OCR_ENGINES` (e.g. "en=paddle,zh=tesseract") over the defaults."""
    chosen = dict(DEFAULT_ENGINES)
    for pair in filter(None, os.environ.get("OCR_ENGINES", "").split(",")):
        lang, _, name = pair.partition("=")
        if lang.strip() in chosen and name.strip() in engines():
            chosen[lang.strip()] = name.strip()  # type: ignore[index]
    return engines()[chosen[language]]
