"""The stateful phase of `gateway.fuzz_api`: Schemathesis's state machine over the document's OpenAPI links
(gateway/openapi_links.py: create a post, then read, like, comment on, share or delete it; sign someone up, then
follow, list, block them; comment, then list or delete the comment), with Hypothesis choosing the steps.

A step that follows a link uses an id of an earlier answer, so it reaches objects that exist; a step without one
is a fresh example of its operation. Every answer is checked against the document (gateway.fuzz_conformance),
with two checks only a scenario can make: a resource just created can be read, one just deleted cannot. Failures
are counted, not raised, so a run covers every scenario it was given.

The server's answers steer the scenarios (a link is followed only from a 200), so Hypothesis may find a replayed
scenario going elsewhere than the first time and stop the suite as flaky; as Schemathesis's own runner does, the
run then starts another suite with the next seed until it has run its scenarios (at most `MAX_SUITES` suites).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

from gateway.fuzz_conformance import conformance_failures

SAMPLES_PER_FAILURE = 2
MAX_SUITES = 5


@dataclass
class StatefulTally:
    """What the scenarios did: steps per operation and status, steps that followed a link, failures."""

    scenarios: int = 0
    suites: int = 0
    """Hypothesis runs it took (a flaky replay ends one early)"""
    steps: Counter[str] = field(default_factory=Counter)
    """"PostService_GetPost 200" -> steps"""
    linked: Counter[str] = field(default_factory=Counter)
    """"POST /v1/posts -> [200] GetPost -> GET /v1/posts/{post_id}" -> steps that followed the link; Schemathesis
    also infers links of its own from the answers' fields ("inferred: ...")"""
    failures: Counter[str] = field(default_factory=Counter)
    """"operation: failure" -> how often"""
    samples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def server_errors(self) -> int:
        return sum(n for key, n in self.steps.items() if key.rsplit(" ", 1)[1].startswith("5"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenarios": self.scenarios,
            "suites": self.suites,
            "steps": sum(self.steps.values()),
            "linked_steps": sum(self.linked.values()),
            "links_followed": len(self.linked),
            "by_operation_and_status": dict(sorted(self.steps.items())),
            "by_link": dict(sorted(self.linked.items())),
            "failures": dict(self.failures.most_common()),
            "failure_samples": self.samples,
        }


def run_stateful(schema: Any, gateway: str, scenarios: int, steps: int, seed: int) -> StatefulTally:
    """`scenarios` runs of up to `steps` calls each, through `gateway`, positive data only; the schema's auth
    provider signs them."""
    tally = StatefulTally()
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    machine = schema.as_state_machine()

    class Scenario(machine):  # type: ignore[valid-type, misc]
        def setup(self) -> None:
            tally.scenarios += 1

        def step(self, input: Any) -> Any:
            if input.transition is not None and input.applied_parameters:
                inferred = "inferred: " if input.transition.is_inferred else ""
                tally.linked[f"{inferred}{input.transition.id}"] += 1
            return super().step(input)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": gateway, "timeout": 10}

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            operation = _operation_id(case.operation)
            tally.steps[f"{operation} {response.status_code}"] += 1
            for failure in conformance_failures(case, response, stateful=True, recorder=self.recorder):
                key = f"{operation}: {failure.split(':', 1)[0]}"
                tally.failures[key] += 1
                found = tally.samples.setdefault(key, [])
                if len(found) < SAMPLES_PER_FAILURE:
                    body = "" if case.body is NOT_SET else f" {case.body!r:.80}"
                    found.append(f"{case.method} {case.formatted_path}{body} -> {failure}")

    for suite in range(MAX_SUITES):
        left = scenarios - tally.scenarios
        if left <= 0:
            break
        tally.suites += 1
        options = settings(
            max_examples=left,
            stateful_step_count=steps,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        try:
            hypothesis.seed(seed + suite)(Scenario).run(settings=options)
        except Flaky:
            continue
        break
    return tally


def _operation_id(operation: Any) -> str:
    return str(operation.definition.raw.get("operationId") or operation.label)
