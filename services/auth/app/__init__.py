"""Auth's use cases, over the ports of app/ports.py."""
