"""Choosing an OCR engine per language, and pointing PP-OCR at an operator's model folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from recognition.engines import DEFAULT_ENGINES, engine_for, paddle_models


def test_russian_goes_to_tesseract_by_default_and_the_choice_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OCR_ENGINES", raising=False)
    assert DEFAULT_ENGINES["ru"] == "tesseract"
    assert engine_for("ru").name == "tesseract"
    assert engine_for("zh").name == DEFAULT_ENGINES["zh"]
    monkeypatch.setenv("OCR_ENGINES", "zh=tesseract, en=paddle, xx=nothing")
    assert engine_for("zh").name == "tesseract"
    assert engine_for("en").name == "paddle"
    assert engine_for("ru").name == "tesseract"


def test_bundled_models_are_named_by_path_so_nothing_is_looked_up() -> None:
    params = paddle_models(None)
    for key in ("Det.model_path", "Rec.model_path", "Cls.model_path"):
        assert Path(str(params[key])).is_file(), key


def test_an_operators_model_folder_is_used_whole(tmp_path: Path) -> None:
    for name in ("eslav_PP-OCRv5_rec.onnx", "PP-OCRv5_det.onnx", "eslav_dict.txt"):
        (tmp_path / name).write_bytes(b"")
    params = paddle_models(tmp_path)
    assert params["Det.model_path"] == str(tmp_path / "PP-OCRv5_det.onnx")
    assert params["Rec.model_path"] == str(tmp_path / "eslav_PP-OCRv5_rec.onnx")
    assert params["Rec.rec_keys_path"] == str(tmp_path / "eslav_dict.txt")
    assert params["Global.use_cls"] is False  # no direction model supplied


def test_a_model_folder_without_a_recogniser_is_refused(tmp_path: Path) -> None:
    (tmp_path / "det.onnx").write_bytes(b"")
    with pytest.raises(RuntimeError, match="rec"):
        paddle_models(tmp_path)
