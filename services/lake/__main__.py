from services.common.entrypoint import run_service
from services.lake.settings import LakeSettings
from services.lake.wiring import build

run_service("lake", LakeSettings, build)
