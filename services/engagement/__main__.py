from services.common.entrypoint import run_service
from services.engagement.settings import EngagementSettings
from services.engagement.wiring import build

run_service("engagement", EngagementSettings, build)
