from services.common.entrypoint import run_service
from services.notification.settings import NotificationSettings
from services.notification.wiring import build

run_service("notification", NotificationSettings, build)
