from services.common.entrypoint import run_service
from services.media.settings import MediaSettings
from services.media.wiring import build

run_service("media", MediaSettings, build)
