"""The gateway's tracing config: Zipkin's tracer with W3C propagation at the set sampling, or none at all."""

from __future__ import annotations

import pytest

from gateway.render import trace_clusters, tracing
from gateway.settings import GatewaySettingsError, load_gateway_settings


def test_the_gateway_traces_to_zipkin_at_the_set_percent() -> None:
    settings = load_gateway_settings(
        {"FEEDMESH_TRACES_URL": "http://127.0.0.1:19411", "FEEDMESH_TRACE_SAMPLE_PERCENT": "2.5"}
    )
    config = tracing(settings)["tracing"]
    assert config["random_sampling"] == {"value": 2.5}
    zipkin = config["provider"]["typed_config"]
    assert zipkin["trace_context_option"] == "USE_B3_WITH_W3C_PROPAGATION"
    assert zipkin["collector_cluster"] == "traces" and zipkin["trace_id_128bit"]
    (cluster,) = trace_clusters(settings)
    address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
    assert address == {"address": "127.0.0.1", "port_value": 19411}


def test_without_a_backend_the_gateway_traces_nothing() -> None:
    settings = load_gateway_settings({"FEEDMESH_TRACES_URL": ""})
    assert tracing(settings) == {} and trace_clusters(settings) == []


@pytest.mark.parametrize("percent", ["-1", "101", "some"])
def test_a_bad_sampling_percent_names_the_variable(percent: str) -> None:
    with pytest.raises(GatewaySettingsError, match="FEEDMESH_TRACE_SAMPLE_PERCENT"):
        load_gateway_settings({"FEEDMESH_TRACE_SAMPLE_PERCENT": percent})
