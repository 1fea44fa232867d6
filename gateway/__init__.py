"""The Envoy gateway: renders envoy/envoy.yaml.tmpl for the running stack and starts Envoy (see README.md)."""
