from services.common.entrypoint import run_service
from services.timeline.settings import TimelineSettings
from services.timeline.wiring import build

run_service("timeline", TimelineSettings, build)
