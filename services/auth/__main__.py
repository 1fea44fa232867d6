from services.auth.settings import AuthSettings
from services.auth.wiring import build
from services.common.entrypoint import run_service

run_service("auth", AuthSettings, build)
