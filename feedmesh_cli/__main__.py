"""python -m feedmesh_cli: the same as the `feedmesh` console script."""

from feedmesh_cli.main import run

run()
