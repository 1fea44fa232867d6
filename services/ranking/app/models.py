"""The models in use: the newest published one (the LATEST pointer, polled and hot-swapped without a restart) and
the versions experiment arms pin; `refresh` runs on a timer (the composition root's). A model is loaded off the
event loop and swapped in by one assignment, so a request scores with either the old or the new model, never a
half-loaded one. A model that is refused (other features) or does not parse is not tried again; the one in use
stays."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable

from services.common.ranking_models import HEURISTIC_VERSION, ModelMetadata
from services.ranking.app.metrics import MODEL_INFO, MODEL_LOADS
from services.ranking.app.ports import Model, ModelLoader, ModelStore, ModelsUnavailable
from services.ranking.domain.experiments import LATEST
from services.ranking.domain.models import ModelRefused, check_features

log = logging.getLogger(__name__)


class ModelRegistry:
    def __init__(self, store: ModelStore, load: ModelLoader):
        self.store = store
        self.load = load
        self.latest: Model | None = None
        self.pinned: dict[str, Model] = {}
        self._wanted: set[str] = set()
        self._refused: set[str] = set()
        MODEL_INFO.labels(HEURISTIC_VERSION).set(1)  # what scores the newest model's arms until one loads

    def model_for(self, choice: str) -> Model | None:
        """The model for an arm's choice (LATEST or a version); None when there is none loaded."""
        latest = self.latest
        if choice == LATEST or (latest is not None and latest.version == choice):
            return latest
        return self.pinned.get(choice)

    def pin(self, versions: Iterable[str]) -> None:
        """The versions arms name now: loaded on the next refresh; those no arm names any more are let go."""
        self._wanted = set(versions)
        self.pinned = {v: m for v, m in self.pinned.items() if v in self._wanted}

    async def refresh(self) -> None:
        """Loads the newest published model if it is new, and any pinned version not loaded yet."""
        try:
            version = await self.store.latest_version()
        except ModelsUnavailable as exc:
            log.warning("model store unavailable; keeping the models in use", extra={"error": str(exc)})
            return
        current = self.latest.version if self.latest is not None else None
        if version is not None and version != current and version not in self._refused:
            model = await self._load(version)
            if model is not None:
                self.latest = model
                MODEL_INFO.labels(model.version).set(1)
                MODEL_INFO.labels(current or HEURISTIC_VERSION).set(0)
                log.info("ranking model in use", extra={"version": model.version, "replaced": current})
        for pinned in sorted(self._wanted - set(self.pinned) - self._refused):
            model = self.model_for(pinned) or await self._load(pinned)
            if model is not None and pinned in self._wanted:
                self.pinned[pinned] = model

    async def _load(self, version: str) -> Model | None:
        try:
            published = await self.store.fetch(version)
            metadata = ModelMetadata.from_json(published.metadata_json)
            model = await asyncio.to_thread(self.load, published)
            check_features(version, metadata.feature_names, model.feature_names)
        except ModelsUnavailable as exc:  # retried on the next refresh
            MODEL_LOADS.labels("failed").inc()
            log.warning("could not read a published model", extra={"version": version, "error": str(exc)})
            return None
        except ModelRefused as exc:
            self._refused.add(version)
            MODEL_LOADS.labels("refused").inc()
            log.error("published model refused", extra={"version": version, "error": str(exc)})
            return None
        except (ValueError, TypeError, KeyError, json.JSONDecodeError) as exc:
            self._refused.add(version)
            MODEL_LOADS.labels("refused").inc()
            log.error("published model does not parse", extra={"version": version, "error": str(exc)})
            return None
        MODEL_LOADS.labels("loaded").inc()
        return model
