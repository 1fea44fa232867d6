from services.common.entrypoint import run_service
from services.training.settings import TrainingSettings
from services.training.wiring import build

run_service("training", TrainingSettings, build)
