from services.common.entrypoint import run_service
from services.post.settings import PostSettings
from services.post.wiring import build

run_service("post", PostSettings, build)
