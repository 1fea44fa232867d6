"""python -m services.graph"""

from services.common.entrypoint import run_service
from services.graph.settings import GraphSettings
from services.graph.wiring import build

run_service("graph", GraphSettings, build)
