from services.common.entrypoint import run_service
from services.ranking.settings import RankingSettings
from services.ranking.wiring import build

run_service("ranking", RankingSettings, build)
