"""The operator CLI, `feedmesh` (a console script of the project, installed by `make setup`).

    feedmesh admin shadow-ban USER_ID --reason "spam ring"
    feedmesh admin unban USER_ID
    feedmesh admin status USER_ID
    feedmesh admin list-bans
    feedmesh admin clear-rate-limit USER_ID
    feedmesh train                      (the offline ranking chain once; `make train`)
    feedmesh experiments report [--days 14] [--json]
    feedmesh traces slowest [--minutes 5] [--limit 10]   (the slowest sampled feed reads, from Zipkin)

The admin commands talk gRPC to the engagement service's internal EngagementAdminService at FEEDMESH_ENGAGEMENT_TARGET
(stack/defaults.env, the environment wins) or `--target`.
"""
