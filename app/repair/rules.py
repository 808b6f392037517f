"""The repair, objection and commitment rules (rules.yaml) and the training module (training.yaml)."""
from functools import lru_cache
from pathlib import Path

import yaml

_HERE = Path(__file__).resolve().parent


@lru_cache
def rules() -> dict:
    return yaml.safe_load((_HERE / "rules.yaml").read_text(encoding="utf-8"))


@lru_cache
def training_module() -> dict:
    return yaml.safe_load((_HERE / "training.yaml").read_text(encoding="utf-8"))
