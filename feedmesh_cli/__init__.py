"""The `feedmesh` CLI (a console script of the project, installed into .venv/bin by `make setup`; docs/cli.md).

User commands, over the public REST API through the gateway (FEEDMESH_GATEWAY_URL or --gateway):
    feedmesh signup HANDLE | login HANDLE | logout | whoami
    feedmesh post TEXT [--media FILE] | feed [--json] | notifications [--json]
    feedmesh follow|unfollow USER_ID | like|unlike POST_ID

Operator commands, under `feedmesh admin` (feedmesh_cli/admin_commands.py: new operator commands join `admin_app`):
    feedmesh admin shadow-ban|unban|status|clear-rate-limit USER_ID, feedmesh admin list-bans
        (gRPC to the engagement service's internal EngagementAdminService at FEEDMESH_ENGAGEMENT_TARGET or --target)
    feedmesh admin train                (the offline ranking chain once; `make train`)
    feedmesh admin experiments report [--days 14] [--json]
    feedmesh admin traces slowest [--minutes 5] [--limit 10]   (the slowest sampled feed reads, from Zipkin)
"""
