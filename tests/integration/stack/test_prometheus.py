import json
import urllib.request


def test_scrapes_every_service_process_and_envoy(stack_settings):
    with urllib.request.urlopen(f"{stack_settings.prometheus_url}/api/v1/targets", timeout=5) as response:
        targets = json.load(response)["data"]["activeTargets"]
    urls = {t["scrapeUrl"] for t in targets}
    services = ("AUTH", "GRAPH", "POST", "TIMELINE", "RANKING", "ENGAGEMENT", "NOTIFICATION", "MEDIA")
    for name in (*services, "TIMELINE_INGEST", "TIMELINE_STORE"):
        assert f"http://127.0.0.1:{stack_settings[f'FEEDMESH_{name}_METRICS_PORT']}/metrics" in urls
    assert f"http://127.0.0.1:{stack_settings['FEEDMESH_ENVOY_ADMIN_PORT']}/stats/prometheus" in urls
